// The bootstrap `cds serve` picks up: listen on loopback only (HOST, default 127.0.0.1), and end
// with the test process that started the server (CAP_PARENT_PID), however that one ended.
const cds = require('@sap/cds')
const HOST = process.env.HOST || '127.0.0.1'
cds.on('bootstrap', app => {
  const listen = app.listen
  app.listen = function (port, ...rest) { return listen.call(this, port, HOST, ...rest) }
})
const parent = Number(process.env.CAP_PARENT_PID)
if (parent) {
  setInterval(() => {
    try { process.kill(parent, 0) } catch { process.exit(0) }
  }, 500).unref()
}
module.exports = cds.server

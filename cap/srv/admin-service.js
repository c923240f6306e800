const cds = require('@sap/cds')
module.exports = class AdminService extends cds.ApplicationService {
  init() {
    this.on('whoami', req => req.user.id)
    return super.init()
  }
}

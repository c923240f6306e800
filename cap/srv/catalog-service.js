const cds = require('@sap/cds')

module.exports = class CatalogService extends cds.ApplicationService {
  init() {
    const { Books } = this.entities

    // ---- unbound functions ----
    this.on('add', req => req.data.a + req.data.b)
    this.on('echoAddress', req => req.data.addr)
    this.on('sumAll', req => (req.data.nums || []).reduce((s, n) => s + n, 0))
    // Server-driven paging of a function's result, 3 books a page: CAP sends `$nextLink` as
    // `@odata.nextLink`, and the link carries the offset as `$skiptoken`.
    this.on('topBooks', async req => {
      const n = req.data.n ?? 10, page = 3
      const skip = Number(req.http?.req?.query?.$skiptoken ?? 0)
      const rows = await SELECT.from(Books).orderBy('price desc', 'ID').limit(Math.max(0, Math.min(page, n - skip)), skip)
      if (skip + page < n) rows.$nextLink = `topBooks(n=${n})?$skiptoken=${skip + page}`
      return rows
    })
    this.on('bookById', req => SELECT.one.from(Books).where({ ID: req.data.id }))
    this.on('genres', () => ['Fiction', 'NF', 'Poetry'])
    this.on('authorAddresses', async () =>
      (await SELECT.from(this.entities.Authors).columns('address_street', 'address_city', 'address_zip'))
        .map(a => ({ street: a.address_street, city: a.address_city, zip: a.address_zip })))

    this.on('echoTypes', req => req.data)

    // ---- unbound actions ----
    this.on('noop', () => {})
    this.on('submitOrder', async req => {
      const { book, quantity } = req.data
      const b = await SELECT.one.from(Books, book).columns('stock')
      if (!b) return req.error(404, `Book ${book} not found`)
      if (quantity > b.stock) return req.error(409, `${quantity} exceeds stock for book #${book}`)
      await UPDATE(Books, book).with({ stock: b.stock - quantity })
      return { stock: b.stock - quantity, message: 'ok' }
    })
    this.on('makeAddress', req => ({ ...req.data.addr, city: (req.data.addr.city || '') + '|' + (req.data.tags || []).join(',') }))
    this.on('fail', req => {
      const status = req.data.code || 400
      if (status === 422) { // several messages -> error with details[]
        req.error({ status, code: 'FIRST', message: 'first problem', target: 'code' })
        req.error({ status, code: 'SECOND', message: 'second problem', target: 'code' })
        return
      }
      req.error({ status, code: 'MY_ERROR', message: `failed with ${status}`, target: 'code' })
    })

    // ---- bound ----
    this.on('addStock', Books, async req => {
      const [{ ID }] = req.params
      await UPDATE(Books, ID).with({ stock: { '+=': req.data.amount } })
      return SELECT.one.from(Books, ID)
    })
    this.on('priceWithTax', Books, async req => {
      const [{ ID }] = req.params
      const b = await SELECT.one.from(Books, ID).columns('price')
      return Math.round(Number(b.price) * (1 + Number(req.data.rate) / 100) * 100) / 100
    })
    this.on('touch', Books, () => {})
    this.on('countAvailable', Books, async () => {
      const r = await SELECT.one.from(Books).columns('count(*) as n').where({ available: true })
      return r.n
    })
    return super.init()
  }
}

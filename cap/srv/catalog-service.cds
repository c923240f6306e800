using { bookshop as db } from '../db/schema';

// Anonymous access. Books are paged by the server (3 rows a page, 5 at most); Authors carry
// Capabilities restrictions, which CAP itself does not enforce (the client does).
@path: '/catalog'
service CatalogService {

  @cds.query.limit: { default: 3, max: 5 }
  entity Books as projection on db.Books actions {
    action   addStock(amount : Integer) returns Books;   // bound action -> entity
    function priceWithTax(rate : Decimal(5,2)) returns Decimal(9,2); // bound function -> primitive
    action   touch();                                    // bound action, no result (204)
    @cds.odata.bindingparameter.collection
    function countAvailable() returns Integer;           // bound to collection
  };

  @Capabilities.FilterRestrictions.NonFilterableProperties: [born]
  @Capabilities.SortRestrictions.NonSortableProperties: [name]
  @Capabilities.CountRestrictions.Countable: false
  @Capabilities.InsertRestrictions.Insertable: false
  @Capabilities.ExpandRestrictions.NonExpandableProperties: [books]
  entity Authors as projection on db.Authors;

  entity Chapters as projection on db.Chapters;
  entity KeyProbe as projection on db.KeyProbe;

  entity Orders as projection on db.Orders;

  entity Covers as projection on db.Covers;    // stream property (Edm.Stream) 'content'

  @readonly
  entity Currencies as projection on db.Currencies;

  @odata.singleton
  entity Settings as projection on db.Config;

  // ---- unbound functions ---------------------------------------------
  function add(a : Integer, b : Integer) returns Integer;          // primitive
  function echoAddress(addr : db.Address) returns db.Address;      // structured param + result
  function sumAll(nums : many Integer) returns Integer;             // array param
  function topBooks(n : Integer) returns many Books;                // collection of entities
  function bookById(id : Integer) returns Books;                   // single entity
  function genres() returns many db.Genre;                          // collection of primitives (enum)
  function authorAddresses() returns many db.Address;               // collection of complex
  function echoTypes(s : String, d : Date, dt : DateTime, ts : Timestamp, g : UUID,
                     dec : Decimal(9,2), b : Boolean, i64 : Int64, dbl : Double,
                     genre : db.Genre) returns {                    // all primitive literal kinds
    s : String; d : Date; dt : DateTime; ts : Timestamp; g : UUID;
    dec : Decimal(9,2); b : Boolean; i64 : Int64; dbl : Double; genre : db.Genre;
  };

  // ---- unbound actions -----------------------------------------------
  action noop();                                                    // returns nothing -> 204
  action submitOrder(book : Integer, quantity : Integer) returns {  // anonymous structured result
    stock   : Integer;
    message : String;
  };
  action makeAddress(addr : db.Address, tags : many String) returns db.Address;
  action fail(code : Integer) returns String;                       // throws an error
}

// optimistic concurrency: ETag from the managed modifiedAt timestamp
annotate CatalogService.Orders with {
  modifiedAt @odata.etag;
}

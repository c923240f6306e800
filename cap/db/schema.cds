namespace bookshop;

using { managed, cuid } from '@sap/cds/common';

type Genre : String enum {
  Fiction;
  NonFiction = 'NF';
  Poetry;
}

type Priority : Integer enum {
  low    = 1;
  medium = 2;
  high   = 3;
}

type Address {
  street : String(100);
  city   : String(50);
  zip    : String(10);
}

entity Authors {
  key ID      : Integer;
      name    : String(100);
      born    : Date;
      address : Address;
      tags    : many String;
      books   : Association to many Books on books.author = $self;
}

entity Books {
  key ID        : Integer;
      title     : String(200);
      genre     : Genre;
      price     : Decimal(9, 2);
      stock     : Integer;
      bigCount  : Int64;
      available : Boolean;
      published : Date;
      soldAt    : Timestamp;
      rating    : Double;
      author_ID : Integer;
      author    : Association to Authors on author.ID = author_ID;
      chapters  : Composition of many Chapters on chapters.book = $self;
}

// A composite key, its parts plain integers.
entity Chapters {
  key book_ID : Integer;
  key number  : Integer;
      book    : Association to Books on book.ID = book_ID;
      title   : String(200);
      pages   : Integer;
}

// A composite key with a string part, whose values need quoting and percent-encoding.
entity KeyProbe {
  key name    : String(100);
  key version : Integer;
      note    : String(200);
}

// A UUID key, managed timestamps (an ETag), and contained items.
entity Orders : cuid, managed {
  customer : String(100);
  @assert.range
  priority : Priority;
  total    : Decimal(12, 2);
  @odata.contained
  items    : Composition of many OrderItems on items.parent = $self;
}

entity OrderItems : cuid {
  parent   : Association to Orders;
  book_ID  : Integer;
  book     : Association to Books on book.ID = book_ID;
  quantity : Integer;
}

// A stream property.
entity Covers {
  key ID       : Integer;
      @Core.MediaType: mimeType
      content  : LargeBinary;
      @Core.IsMediaType
      mimeType : String(100);
      caption  : String(100);
}

// Behind a singleton.
entity Config {
  key ID          : Integer;
      siteName    : String(100);
      maintenance : Boolean;
}

entity Currencies {
  key code : String(3);
      name : String(50);
}

using { bookshop as db } from '../db/schema';

// Requires authentication (mocked users, basic auth) and role 'admin'
@path: '/admin'
@requires: 'admin'
service AdminService {
  entity Books   as projection on db.Books;
  entity Authors as projection on db.Authors;
  function whoami() returns String;
}

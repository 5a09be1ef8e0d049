-- CASCADE: functions of the repeatable files depend on these; the next migrate re-applies them.
DROP TABLE vb.trades CASCADE;
DROP SEQUENCE vb.order_book_seq;
DROP TABLE vb.orders CASCADE;

-- Run once by the postgres image when it initialises an empty data volume: one database per
-- subgraph, as in production where no service can read another's tables. Each subgraph applies
-- its own migrations when it starts.
CREATE DATABASE shop_user;
CREATE DATABASE shop_product;
CREATE DATABASE shop_order;
CREATE DATABASE shop_payment;

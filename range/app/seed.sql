-- seed.sql builds the range's members database with deterministic fake people.
--
-- Everything is computed from the row number n, so every run creates the same
-- 3000 members and orders (ground truth can name records by id). Names are
-- common Japanese and English names combined arithmetically; e-mail domains are
-- the reserved example.jp / example.com / example.net, phone numbers use
-- the 090-0000-xxxx range and card numbers are never stored (only a fake last4).
CREATE DATABASE IF NOT EXISTS kizuki_shop CHARACTER SET utf8mb4;
USE kizuki_shop;

DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS members;

CREATE TABLE members (
  id         INT PRIMARY KEY,
  login      VARCHAR(64) NOT NULL UNIQUE,
  pass_sha256 CHAR(64) NOT NULL,
  given      VARCHAR(64) NOT NULL,
  family     VARCHAR(64) NOT NULL,
  email      VARCHAR(128) NOT NULL,
  phone      VARCHAR(32) NOT NULL,
  birth      DATE NOT NULL,
  city       VARCHAR(64) NOT NULL,
  card_last4 CHAR(4) NOT NULL,
  created    DATETIME NOT NULL
) ENGINE=InnoDB;

CREATE TABLE orders (
  id         INT PRIMARY KEY,
  member_id  INT NOT NULL,
  item       VARCHAR(64) NOT NULL,
  amount_jpy INT NOT NULL,
  ordered    DATETIME NOT NULL,
  KEY (member_id)
) ENGINE=InnoDB;

SET SESSION max_recursive_iterations = 10000;

-- Password of member n is "member<n>" (so benign users and the attacker's
-- stolen account can log in); stored as unsalted SHA-256, as weak apps do.
INSERT INTO members
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000)
SELECT n,
  CONCAT('member', n),
  SHA2(CONCAT('member', n), 256),
  ELT(1 + (n * 7) % 24, 'Haruto','Yui','Sota','Hina','Yuto','Aoi','Riku','Mei','Hinata','Sakura',
      'Ren','Yuna','James','Mary','John','Linda','Robert','Susan','Kenji','Akiko','Taro','Hanako','Emma','Noah'),
  ELT(1 + (n * 13) % 20, 'Sato','Suzuki','Takahashi','Tanaka','Watanabe','Ito','Yamamoto','Nakamura',
      'Kobayashi','Kato','Yoshida','Yamada','Sasaki','Yamaguchi','Matsumoto','Smith','Johnson','Brown','Taylor','Wilson'),
  '', -- email filled below, from the names
  CONCAT('090-0000-', LPAD(n, 4, '0')),
  DATE_ADD('1950-01-01', INTERVAL (n * 7919) % 20000 DAY),
  ELT(1 + (n * 3) % 10, 'Tokyo','Osaka','Nagoya','Sapporo','Fukuoka','Kobe','Kyoto','Sendai','Hiroshima','Yokohama'),
  LPAD((n * 7321) % 10000, 4, '0'),
  DATE_ADD('2021-04-01 09:00:00', INTERVAL n * 4271 SECOND)
FROM seq;

UPDATE members SET email = CONCAT(LOWER(given), '.', LOWER(family), id, '@',
  ELT(1 + id % 3, 'example.jp', 'example.com', 'example.net'));

INSERT INTO orders
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 6000)
SELECT n,
  1 + (n * 17) % 3000,
  ELT(1 + n % 8, 'green tea 100g','rice cooker','umbrella','notebook','headphones','bento box','yukata','coffee beans'),
  500 + (n * 37) % 30000,
  DATE_ADD('2023-01-01 10:00:00', INTERVAL n * 3571 SECOND)
FROM seq;

-- The application account: least privilege would be SELECT only; this app,
-- like many, gets everything on its schema (what makes the SQLi worse).
CREATE USER IF NOT EXISTS 'shopapp'@'127.0.0.1' IDENTIFIED BY 'Shop-app-2024';
CREATE USER IF NOT EXISTS 'shopapp'@'localhost' IDENTIFIED BY 'Shop-app-2024';
GRANT ALL PRIVILEGES ON kizuki_shop.* TO 'shopapp'@'127.0.0.1';
GRANT ALL PRIVILEGES ON kizuki_shop.* TO 'shopapp'@'localhost';
FLUSH PRIVILEGES;

package loggen

import "strconv"

// MariaDB 10.11 general and slow query logs (the layout of the samples in
// format/mysql/testdata, captured from a real mariadbd): a shop application
// connecting as app@localhost, with attack statements (SQL injection that
// reached the database, dumps of whole tables, destruction, password
// guessing) mixed in.

const mariadbHeader = "mariadbd, Version: 10.11.19-MariaDB-0+deb12u1-log (Debian 12). started with:\n" +
	"Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\n"

// statement pieces: a fixed prefix, then a number, then a fixed suffix.
type stmt struct{ pre, post string }

var (
	appStmts = []stmt{
		{"SELECT id, name, price, stock FROM products WHERE id = ", ""},
		{"SELECT id, name, price FROM products WHERE category_id = ", " ORDER BY created_at DESC LIMIT 24"},
		{"SELECT * FROM sessions WHERE id = '", "' LIMIT 1"},
		{"UPDATE sessions SET last_seen = NOW() WHERE id = '", "'"},
		{"SELECT COUNT(*) FROM cart_items WHERE cart_id = ", ""},
		{"INSERT INTO cart_items (cart_id, product_id, qty) VALUES (", ", 1021, 1)"},
		{"SELECT c.id, c.email, c.name FROM customers c WHERE c.id = ", ""},
		{"INSERT INTO orders (customer_id, total, status) VALUES (", ", 39.90, 'new')"},
		{"SELECT o.id, o.total, o.status FROM orders o WHERE o.customer_id = ", " ORDER BY o.id DESC LIMIT 10"},
		{"SET NAMES utf8mb4", ""},
		{"SELECT value FROM settings WHERE name = 'shop.currency'", ""},
	}
	attackStmts = []stmt{
		{"SELECT id, name, price, stock FROM products WHERE id = ", " OR 1=1"},
		{"SELECT id, name, price, stock FROM products WHERE id = -1 UNION SELECT username, password, 3, 4 FROM users-- ", ""},
		{"SELECT * FROM customers", ""},
		{"SELECT email, card_last4, address FROM customers WHERE id > ", ""},
		{"SELECT * FROM users INTO OUTFILE '/tmp/u", ".csv'"},
		{"SELECT id, name FROM products WHERE id = 1 AND SLEEP(5)", ""},
		{"DROP TABLE orders", ""},
		{"DELETE FROM customers WHERE 1=1", ""},
		{"SELECT LOAD_FILE('/etc/passwd')", ""},
	}
)

type mysqlGen struct {
	*gen
	slow     bool
	started  bool
	lastSec  int64
	threads  []int // open connections: thread ids
	queries  []int // statements left in each
	nextID   int
	sessions []string
	attacker string
	meanLen  float64
	b        burst
}

func newGeneral(g *gen) line { return newMySQL(g, false) }
func newSlow(g *gen) line    { return newMySQL(g, true) }

func newMySQL(g *gen, slow bool) line {
	m := &mysqlGen{gen: g, slow: slow, nextID: 3, sessions: hexPool(g, 512, 26), attacker: ipPool(g, 1, true)[0], lastSec: -1}
	m.meanLen = 6
	return m.next
}

func (m *mysqlGen) next(b []byte) ([]byte, int, bool) {
	start := len(b)
	if !m.started {
		m.started = true
		b = append(b, mariadbHeader...)
		if !m.slow {
			b = append(b, "Time\t\t    Id Command\tArgument\n"...)
		}
		return b, countLines(b[start:]), false
	}
	m.clock.advance(m.gen, 30)
	if m.b.left == 0 && m.startAttack(m.meanLen) {
		m.b = burst{left: 2 + m.r.IntN(9), kind: m.r.IntN(4)}
	}
	if m.b.left > 0 {
		m.b.left--
		m.b.n++
		if m.b.kind == 0 && !m.slow {
			b = m.failedLogin(b)
		} else {
			s := pick(m.gen, attackStmts)
			b = m.statement(b, -1, s, 1+int64(m.r.IntN(90000)), true)
		}
		return b, countLines(b[start:]), true
	}
	// Keep a handful of connections open and interleave them, as a busy
	// application's pool does.
	if len(m.threads) < 6 || m.r.IntN(40) == 0 {
		id := m.nextID
		m.nextID++
		m.threads = append(m.threads, id)
		m.queries = append(m.queries, 3+m.r.IntN(30))
		if !m.slow {
			b = m.generalHead(b, id, "Connect")
			b = append(b, "app@localhost on shop using TCP/IP\n"...)
			return b, 1, false
		}
	}
	i := m.r.IntN(len(m.threads))
	id := m.threads[i]
	if m.queries[i] == 0 {
		m.threads = append(m.threads[:i], m.threads[i+1:]...)
		m.queries = append(m.queries[:i], m.queries[i+1:]...)
		if m.slow {
			return m.next(b)
		}
		b = m.generalHead(b, id, "Quit")
		return append(b, '\n'), 1, false
	}
	m.queries[i]--
	s := pick(m.gen, appStmts)
	b = m.statement(b, id, s, int64(1+m.skewed(90000)), false)
	return b, countLines(b[start:]), false
}

// generalHead appends the general log's time column (only on the first entry
// of a second, as mariadbd writes it), the thread id and the command.
func (m *mysqlGen) generalHead(b []byte, id int, cmd string) []byte {
	if m.clock.sec != m.lastSec {
		m.lastSec = m.clock.sec
		b = append(b, m.clock.mysql...)
		b = append(b, '\t')
	} else {
		b = append(b, "\t\t"...)
	}
	idb := strconv.AppendInt(make([]byte, 0, 8), int64(id), 10)
	for i := len(idb); i < 6; i++ {
		b = append(b, ' ')
	}
	b = append(b, idb...)
	b = append(b, ' ')
	b = append(b, cmd...)
	return append(b, '\t')
}

func (m *mysqlGen) failedLogin(b []byte) []byte {
	id := m.nextID
	m.nextID++
	b = m.generalHead(b, id, "Connect")
	b = append(b, "root@"...)
	b = append(b, m.attacker...)
	b = append(b, " on  using TCP/IP\n"...)
	b = m.generalHead(b, id, "Connect")
	b = append(b, "Access denied for user 'root'@'"...)
	b = append(b, m.attacker...)
	return append(b, "' (using password: YES)\n"...)
}

func (m *mysqlGen) statement(b []byte, id int, s stmt, n int64, attack bool) []byte {
	if id < 0 {
		id = m.nextID + 1000
	}
	if !m.slow {
		b = m.generalHead(b, id, "Query")
		b = m.sql(b, s, n)
		return append(b, '\n')
	}
	if m.clock.sec != m.lastSec {
		m.lastSec = m.clock.sec
		b = append(b, "# Time: "...)
		b = append(b, m.clock.mysql...)
		b = append(b, '\n')
	}
	b = append(b, "# User@Host: app[app] @ localhost []\n# Thread_id: "...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, "  Schema: shop  QC_hit: No\n# Query_time: "...)
	qt := 1 + m.r.IntN(3)
	rows := 1 + m.r.IntN(200)
	examined := 50000 + m.r.IntN(500000)
	if attack {
		qt, rows, examined = 5+m.r.IntN(20), 80000+m.r.IntN(20000), 100000
	}
	b = strconv.AppendInt(b, int64(qt), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(100000+m.r.IntN(900000)), 10)
	b = append(b, "  Lock_time: 0.000"...)
	b = strconv.AppendInt(b, int64(100+m.r.IntN(900)), 10)
	b = append(b, "  Rows_sent: "...)
	b = strconv.AppendInt(b, int64(rows), 10)
	b = append(b, "  Rows_examined: "...)
	b = strconv.AppendInt(b, int64(examined), 10)
	b = append(b, "\n# Rows_affected: 0  Bytes_sent: "...)
	b = strconv.AppendInt(b, int64(rows*48), 10)
	b = append(b, "\nSET timestamp="...)
	b = append(b, m.clock.unix...)
	b = append(b, ";\n"...)
	b = m.sql(b, s, n)
	return append(b, ";\n"...)
}

func (m *mysqlGen) sql(b []byte, s stmt, n int64) []byte {
	b = append(b, s.pre...)
	if s.post != "" || len(s.pre) > 0 && (s.pre[len(s.pre)-1] == ' ' || s.pre[len(s.pre)-1] == '(' || s.pre[len(s.pre)-1] == '\'') {
		if s.pre[len(s.pre)-1] == '\'' {
			b = append(b, m.sessions[n%int64(len(m.sessions))]...)
		} else {
			b = strconv.AppendInt(b, n, 10)
		}
	}
	return append(b, s.post...)
}

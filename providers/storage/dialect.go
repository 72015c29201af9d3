package storage

import "strconv"

// Dialect names the SQL dialect of a database.
type Dialect string

// The dialects the storage kind supports.
const (
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
	SQLite   Dialect = "sqlite"
)

// String returns the dialect name.
func (d Dialect) String() string { return string(d) }

// Placeholder returns the bind placeholder for the n-th (1-based) argument: $n on PostgreSQL,
// ? elsewhere.
func (d Dialect) Placeholder(n int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// Rebind rewrites the ? placeholders of query for the dialect: $1, $2, ... on PostgreSQL,
// unchanged elsewhere. Question marks inside quoted strings and identifiers are kept.
func (d Dialect) Rebind(query string) string {
	if d != Postgres {
		return query
	}
	out := make([]byte, 0, len(query)+8)
	n, quote := 0, byte(0)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

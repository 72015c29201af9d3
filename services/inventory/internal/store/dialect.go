package store

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/eim-byoi/eim/providers/storage"
)

// sqlDialect writes the SQL that differs between the databases: reading a value out of a stored
// JSON body. Paths are proto field names, which are identifiers, so they are spliced into the
// SQL; values always travel as arguments.
type sqlDialect struct{ storage.Dialect }

// text returns the SQL text value at path in alias.body (NULL when absent).
func (d sqlDialect) text(alias string, path []string) string {
	switch d.Dialect {
	case storage.Postgres:
		return "(" + alias + ".body #>> '{" + strings.Join(path, ",") + "}')"
	case storage.MySQL:
		return "JSON_UNQUOTE(JSON_EXTRACT(" + alias + ".body, '$." + strings.Join(path, ".") + "'))"
	}
	return "json_extract(" + alias + ".body, '$." + strings.Join(path, ".") + "')"
}

// present returns a condition true when path holds a value (a message, a list, a scalar).
func (d sqlDialect) present(alias string, path []string) string {
	switch d.Dialect {
	case storage.Postgres:
		return "(" + alias + ".body #> '{" + strings.Join(path, ",") + "}') IS NOT NULL"
	case storage.MySQL:
		return "JSON_EXTRACT(" + alias + ".body, '$." + strings.Join(path, ".") + "') IS NOT NULL"
	}
	return "json_extract(" + alias + ".body, '$." + strings.Join(path, ".") + "') IS NOT NULL"
}

// value returns the SQL value of the scalar field f at path, its proto default when absent
// (protojson leaves defaults out), typed for comparison: text for strings and enums (names),
// numbers for numeric fields; booleans are compared by boolean().
func (d sqlDialect) value(alias string, path []string, f protoreflect.FieldDescriptor) string {
	t := d.text(alias, path)
	switch f.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "COALESCE(" + t + ", '')"
	case protoreflect.EnumKind:
		return "COALESCE(" + t + ", '" + string(f.Enum().Values().ByNumber(0).Name()) + "')"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "COALESCE(" + d.cast(t, "float") + ", 0)"
	}
	return "COALESCE(" + d.cast(t, "int") + ", 0)"
}

// boolean returns a condition true when the boolean at path is true.
func (d sqlDialect) boolean(alias string, path []string) string {
	t := d.text(alias, path)
	if d.Dialect == storage.SQLite {
		return "COALESCE(" + t + ", 0) = 1"
	}
	return "COALESCE(" + t + ", 'false') = 'true'"
}

func (d sqlDialect) cast(expr, to string) string {
	switch d.Dialect {
	case storage.Postgres:
		if to == "float" {
			return expr + "::double precision"
		}
		return expr + "::numeric"
	case storage.MySQL:
		if to == "float" {
			return "CAST(" + expr + " AS DOUBLE)"
		}
		return "CAST(" + expr + " AS DECIMAL(20,0))"
	}
	if to == "float" {
		return "CAST(" + expr + " AS REAL)"
	}
	return "CAST(" + expr + " AS INTEGER)"
}

// likeEscape escapes LIKE's wildcards in patterns; '!' reads the same in every dialect's string
// literals, unlike '\\'.
const likeEscape = "!"

// like returns a case-insensitive LIKE of expr against the pattern argument ph.
func (d sqlDialect) like(expr, ph string) string {
	return "LOWER(" + expr + ") LIKE LOWER(" + ph + ") ESCAPE '" + likeEscape + "'"
}

// likePattern turns s into a LIKE pattern: its own %, _ and ! escaped, each * a wildcard.
func likePattern(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_", "*", "%")
	return r.Replace(s)
}

package release_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// reviewed marks a statement whose online safety a reviewer checked by hand; the reason follows.
const reviewed = "-- online:"

// offline are the statements the previous release may not survive, each with why and the fix.
var offline = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`\bDROP\s+(TABLE|COLUMN|VIEW|INDEX|CONSTRAINT|TYPE|SCHEMA)\b`),
		"drops what the previous release may still use: drop it one release later"},
	{regexp.MustCompile(`\bRENAME\b`), "renames what the previous release names: add the new one, copy, drop the old one a release later"},
	{regexp.MustCompile(`\b(ALTER|MODIFY|CHANGE)\s+COLUMN\b.*\b(TYPE|SET\s+NOT\s+NULL)\b|\bMODIFY\s+COLUMN\b|\bCHANGE\s+COLUMN\b`),
		"changes a column the previous release reads and writes: add a column instead"},
	{regexp.MustCompile(`\b(TRUNCATE|DELETE\s+FROM)\b`), "deletes rows the previous release serves"},
	{regexp.MustCompile(`\bADD\s+CONSTRAINT\b|\bADD\s+(UNIQUE|CHECK|FOREIGN\s+KEY)\b`),
		"adds a constraint the previous release's writes may violate: enforce it in code first, then in a later release"},
	{regexp.MustCompile(`\bADD\s+(COLUMN\s+)?\S+\s+[^,]*\bNOT\s+NULL\b`),
		"adds a NOT NULL column the previous release's inserts do not fill: give it a DEFAULT"},
}

// hasDefault says whether an ADD COLUMN ... NOT NULL statement has a DEFAULT (then the previous
// release's inserts are filled).
var hasDefault = regexp.MustCompile(`\bDEFAULT\b`)

// online returns the problems of a migration's statements against the online rule
// (docs/upgrade.md, Database upgrades): only additions that the previous release, still serving,
// does not notice. Comments are ignored; a statement whose first line carries "-- online: <why>"
// was reviewed by hand and passes.
func online(sql string) []string {
	var out []string
	for _, st := range statements(sql) {
		if st.reviewed {
			continue
		}
		for _, o := range offline {
			if !o.re.MatchString(st.norm) {
				continue
			}
			if strings.Contains(o.why, "DEFAULT") && hasDefault.MatchString(st.norm) {
				continue
			}
			out = append(out, "not online: "+o.why+": "+st.norm)
			break
		}
	}
	return out
}

// statement is one SQL statement upper-cased on one line, comments out; reviewed when a
// "-- online: <why>" comment precedes it.
type statement struct {
	norm     string
	reviewed bool
}

var (
	reviewedComment = regexp.MustCompile(regexp.QuoteMeta(reviewed) + `[^\n]*`)
	lineComment     = regexp.MustCompile(`--[^\n]*`)
)

// reviewedMark stands for a reviewed comment while the statements are split.
const reviewedMark = "\x00reviewed\x00"

func statements(sql string) []statement {
	sql = lineComment.ReplaceAllString(reviewedComment.ReplaceAllString(sql, reviewedMark), "")
	var out []statement
	for _, raw := range strings.Split(sql, ";") {
		st := statement{reviewed: strings.Contains(raw, reviewedMark)}
		st.norm = strings.ToUpper(strings.Join(strings.Fields(strings.ReplaceAll(raw, reviewedMark, " ")), " "))
		if st.norm != "" {
			out = append(out, st)
		}
	}
	return out
}

// TestOnlineRule: the rule refuses what the previous release cannot survive and passes additions.
func TestOnlineRule(t *testing.T) {
	for _, c := range []struct {
		sql string
		ok  bool
	}{
		{"-- +goose Up\nCREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT);", true},
		{"CREATE INDEX t_name ON t (name);", true},
		{"ALTER TABLE t ADD COLUMN seen TIMESTAMPTZ;", true},
		{"ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0;", true},
		{"ALTER TABLE t ADD COLUMN n INTEGER NOT NULL;", false},
		{"alter table t drop column name;", false},
		{"DROP TABLE t;", false},
		{"ALTER TABLE t RENAME COLUMN name TO title;", false},
		{"ALTER TABLE t ALTER COLUMN name TYPE VARCHAR(10);", false},
		{"ALTER TABLE t ALTER COLUMN name SET NOT NULL;", false},
		{"ALTER TABLE t MODIFY COLUMN name VARCHAR(10);", false},
		{"DELETE FROM t WHERE id > 3;", false},
		{"ALTER TABLE t ADD CONSTRAINT t_u UNIQUE (name);", false},
		{"-- online: the table is new in this release\nALTER TABLE t ADD CONSTRAINT t_u UNIQUE (name);", true},
		{"-- DROP TABLE t; is only a comment\nCREATE INDEX i ON t (id);", true},
	} {
		p := online(c.sql)
		assert.Equal(t, c.ok, len(p) == 0, "%q: %v", c.sql, p)
	}
}

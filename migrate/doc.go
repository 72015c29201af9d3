// Package migrate translates legacy EIM and EMF Helm values into the values of the new
// charts/eim chart (or an eim.yaml), with a report that classifies every legacy key.
//
// It is a pure translation: it reads the documents it is given (and, for an EMF cluster, the
// files of the EMF repository through an fs.FS) and never touches the network. The entry point
// is Translate; the mapping rules are data (Rules), so the migration guide's mapping table is
// generated from the same rules the translation applies (MappingTable).
package migrate

// Package prereq derives what the enabled EIM modules need of the customer's own
// infrastructure — Keycloak service-account roles, Vault/OpenBao paths and capabilities,
// database roles and privileges — from the module graph (services/module) and one
// per-module permission table, and creates it: `eim bootstrap`. The same Spec drives
// `eim doctor` (internal/doctor), so what bootstrap creates and what doctor checks cannot
// disagree.
//
// Every bootstrap step reads the server's state first and plans only what differs: a second
// run plans nothing, a dry run changes nothing, and a generated secret is written to the
// secrets provider or to a file with mode 0600 that the plan names, never printed.
package prereq

package mysql_test

import (
	"context"
	"fmt"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/mysql"
	"github.com/eim-byoi/eim/providers/storage/remote"
)

// Aurora MySQL with RDS IAM authentication: a token is signed for every new connection.
func Example() {
	cfg := mysql.NewConfig()
	cfg.Host, cfg.Database, cfg.User = "aurora.cluster-x.us-east-1.rds.amazonaws.com", "eim", "eim_app"
	cfg.IAM = &remote.IAM{Region: "us-east-1"}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	db, err := storage.Open(context.Background(), "mysql", cfg, storage.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	fmt.Println(db.Dialect())
}

// MariaDB with Vault dynamic credentials whose issued users are granted the role eim_runtime:
// setRole activates it on every connection, and the migrations grant to the role.
func ExampleConfig_setRole() {
	cfg := mysql.NewConfig()
	cfg.Host, cfg.Database = "mariadb.internal", "eim"
	cfg.Dynamic = &remote.Dynamic{Path: "database/creds/eim"}
	cfg.RuntimeRole, cfg.SetRole = "eim_runtime", true
	cfg.Migration = &remote.Migration{User: "eim_owner"}
	fmt.Println(cfg.Validate())
	cfg.Migration = nil
	fmt.Println(cfg.Validate())
	// Output:
	// <nil>
	// migration: is required with setRole: the role gets DML, the migration account owns the tables (fix: set migration.user and migration.password)
}

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

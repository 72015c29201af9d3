package kms

import (
	"regexp"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// The cloud KMS services the adapter reaches through gocloud.dev/secrets.
const (
	ProviderAWS   = "aws"
	ProviderGCP   = "gcp"
	ProviderAzure = "azure"
)

// Config configures the kms adapter: a cloud KMS key (the keeper, and the key that wraps the
// store's data keys) and, optionally, a database table holding envelope-encrypted secrets
// (the store).
type Config struct {
	// Provider is the KMS service: aws, gcp or azure (required).
	Provider string `yaml:"provider" jsonschema:"required,enum=aws,enum=gcp,enum=azure"`
	// Key names the key (required): an AWS key id, ARN or alias/name; a GCP key resource
	// (projects/P/locations/L/keyRings/R/cryptoKeys/K); an Azure Key Vault key URL
	// (https://V.vault.azure.net/keys/K[/version]).
	Key string `yaml:"key" jsonschema:"required"`
	// AWS holds the AWS-specific settings.
	AWS AWS `yaml:"aws"`
	// GCP holds the GCP-specific settings.
	GCP GCP `yaml:"gcp"`
	// Database enables the store: secrets kept in a table, each sealed with its own data key
	// that the KMS key wraps. The secrets kind opens before the storage kind, so it has its
	// own connection settings.
	Database *Database `yaml:"database,omitempty"`
	// Timeout bounds one call to the KMS or the database.
	Timeout provider.Duration `yaml:"timeout"`
	// RefreshInterval is how often watched secrets are re-read from the table.
	RefreshInterval provider.Duration `yaml:"refreshInterval"`
}

// AWS configures AWS KMS. Without static credentials the SDK's default chain is used (IRSA,
// ECS/EC2 roles, shared config).
type AWS struct {
	// Region is the AWS region of the key, e.g. eu-west-1.
	Region string `yaml:"region,omitempty"`
	// Endpoint overrides the KMS endpoint URL (a VPC endpoint, or local-kms in tests).
	Endpoint string `yaml:"endpoint,omitempty"`
	// AccessKeyID is a secret reference to a static access key id, set together with
	// secretAccessKey; the SDK's default credential chain when unset.
	AccessKeyID *provider.SecretRef `yaml:"accessKeyID,omitempty"`
	// SecretAccessKey is a secret reference to the static secret access key of accessKeyID.
	SecretAccessKey *provider.SecretRef `yaml:"secretAccessKey,omitempty"`
}

// GCP configures Cloud KMS. Without credentials, Application Default Credentials are used
// (workload identity, GOOGLE_APPLICATION_CREDENTIALS).
type GCP struct {
	// Credentials is a secret reference to a service account key (JSON); Application Default
	// Credentials when unset.
	Credentials *provider.SecretRef `yaml:"credentials,omitempty"`
}

// Database locates the table of the store.
type Database struct {
	// Driver is postgres or mysql (MySQL 8 and MariaDB; required).
	Driver string `yaml:"driver" jsonschema:"required,enum=postgres,enum=mysql"`
	// DSN is a secret reference ({env} or {file}) to the connection string, which holds a
	// password: a postgres:// URL or key=value string, or a go-sql-driver/mysql DSN (required).
	DSN provider.SecretRef `yaml:"dsn" jsonschema:"required"`
	// Table is the table's name, created when missing (if the user may); eim_secrets when unset.
	Table string `yaml:"table"`
}

// NewConfig returns the defaults.
func NewConfig() *Config {
	return &Config{Timeout: provider.Duration(10 * time.Second), RefreshInterval: provider.Duration(30 * time.Second)}
}

var tableName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,62}$`)

// Validate checks the configuration without I/O.
func (c *Config) Validate() error {
	var v provider.Validation
	v.Check(c.Provider == ProviderAWS || c.Provider == ProviderGCP || c.Provider == ProviderAzure, "provider",
		"must be aws, gcp or azure", "name the KMS service")
	v.Required("key", c.Key, "name the KMS key (see docs/providers/secrets.md for each provider's form)")
	if (c.AWS.AccessKeyID == nil) != (c.AWS.SecretAccessKey == nil) {
		v.Add("aws", "accessKeyID and secretAccessKey go together", "set both, or neither to use the SDK's default credentials")
	}
	if c.AWS.AccessKeyID != nil {
		v.Nest("aws.accessKeyID", c.AWS.AccessKeyID.Validate())
		v.Nest("aws.secretAccessKey", c.AWS.SecretAccessKey.Validate())
	}
	if c.GCP.Credentials != nil {
		v.Nest("gcp.credentials", c.GCP.Credentials.Validate())
	}
	if d := c.Database; d != nil {
		v.Check(d.Driver == "postgres" || d.Driver == "mysql", "database.driver", "must be postgres or mysql", "name the database")
		v.Nest("database.dsn", d.DSN.Validate())
		v.Check(d.Table == "" || tableName.MatchString(d.Table), "database.table", "is not a plain SQL identifier",
			"use letters, digits and _, e.g. eim_secrets")
	}
	v.Check(c.Timeout > 0, "timeout", "must be positive", `e.g. "10s"`)
	v.Check(c.RefreshInterval > 0, "refreshInterval", "must be positive", `e.g. "30s"`)
	return v.Err()
}

// DefaultTable is the store's table when database.table is empty.
const DefaultTable = "eim_secrets"

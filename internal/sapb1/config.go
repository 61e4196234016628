package sapb1

import (
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Config field names shared by the sap_b1 input and output.
const (
	FieldBaseURL   = "base_url"
	FieldCompanyDB = "company_db"
	FieldUserName  = "username"
	FieldPassword  = "password"
)

// ConnectionFields returns the fields every sap_b1 component shares: the
// Service Layer's address, the Login credentials and the `http` transport
// object.
func ConnectionFields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewURLField(FieldBaseURL).
			LintRule(httpx.BaseURLLint(FieldBaseURL)).
			Description("Address of the Service Layer. Requests go to `<base_url>/b1s/v1/...` (`/b1s/v1` is added unless the URL ends with it).").
			Example("https://b1.example.com:50000"),
		service.NewStringField(FieldCompanyDB).
			Description("Company database to log in to (`CompanyDB` of `POST /Login`).").
			Example("SBODEMOUS"),
		service.NewStringField(FieldUserName).
			Description("SAP Business One user name. Give the integration its own user: each session holds a Service Layer licence seat.").
			Example("manager"),
		service.NewStringField(FieldPassword).
			Description("Password of the user. Use `${ENV_VAR}` interpolation: it never appears in errors, logs or metrics.").
			Example("${SAP_B1_PASSWORD}").Secret(),
		httpx.ConfigField(),
	}
}

// ConnectionLint is a Bloblang statement for a component-level lint
// rule: it binds $connection_errors to the problems of the connection
// fields (credentials left empty). Components end their rule with
// `root = $connection_errors.merge(<their own list>)`.
const ConnectionLint = `let connection_errors = if this.company_db.or("").trim() == "" || this.username.or("").trim() == "" || this.password.or("") == "" { [ "company_db, username and password are required" ] } else { [] }
`

// ConfigFromParsed reads the fields of ConnectionFields into a Config.
// Metrics, Logger and Transport are left for the caller.
func ConfigFromParsed(conf *service.ParsedConfig) (Config, error) {
	var (
		c   Config
		err error
	)
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{FieldBaseURL, &c.BaseURL},
		{FieldCompanyDB, &c.CompanyDB},
		{FieldUserName, &c.UserName},
		{FieldPassword, &c.Password},
	} {
		if *f.dst, err = conf.FieldString(f.name); err != nil {
			return c, err
		}
	}
	if c.HTTP, err = httpx.ParseSettings(conf); err != nil {
		return c, fmt.Errorf("field %s: %w", httpx.FieldHTTP, err)
	}
	return c, nil
}

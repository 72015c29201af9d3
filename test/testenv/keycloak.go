package testenv

import (
	"net"
	"net/url"
	"strconv"
)

// KeycloakServer is the test bed's Keycloak with the realm from
// test/testdata/keycloak/eim-realm.json (re-imported on every Keycloak start: nothing persists).
type KeycloakServer struct {
	// BaseURL is http://127.0.0.1:<KEYCLOAK_PORT>; the issuer is fixed to it (--hostname).
	BaseURL string
	// ManagementURL serves /health, /health/ready and /health/live.
	ManagementURL string
	// Realm is the test realm (eim-test).
	Realm string
	// AdminUser and AdminPassword log in to the master realm (admin-cli) as the bootstrap admin.
	AdminUser, AdminPassword string
	// Audience is the audience the eim-test-client and system-client tokens carry ("eim").
	Audience string
	// ClientID and ClientSecret: confidential eim-test-client (client credentials only). Its service
	// account is in Project1's Edge-Node-M2M group, so tokens carry Project1's en-agent-rw and en-ob roles.
	ClientID, ClientSecret string
	// AdminClientID and AdminClientSecret: host-manager-m2m-client, whose service account has the
	// realm-management roles create/manage/query/view-clients, manage/query/view-users,
	// query-groups and view-realm (the legacy EMF host manager's rights, used to create clients).
	AdminClientID, AdminClientSecret string
	// PasswordClientID is the public system-client with the resource-owner password grant.
	PasswordClientID string
	// User and UserPassword (eim-user) are in Project1's Host-Manager and Edge-Operator groups
	// (roles <Project1>_im-rw, _im-r, _en-ob); User2 likewise in Project2.
	User, UserPassword, User2, User2Password string
	// Project1 and Project2 are the project (tenant) UUIDs whose legacy-EMF roles
	// (<uuid>_im-rw, _im-r, _en-agent-rw, _en-ob) and groups (<uuid>_Edge-Node-M2M-Service-Account,
	// <uuid>_Host-Manager-Group, <uuid>_Edge-Operator-Group) exist in the realm.
	Project1, Project2 string
}

// Keycloak returns the Keycloak server, failing the test unless the test realm's discovery
// document is served.
func Keycloak(t TB) *KeycloakServer {
	t.Helper()
	base := "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "KEYCLOAK_PORT")))
	s := &KeycloakServer{
		BaseURL:       base,
		ManagementURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(portVar(t, "KEYCLOAK_MANAGEMENT_PORT"))),
		Realm:         Var(t, "KEYCLOAK_REALM"), AdminUser: Var(t, "KEYCLOAK_ADMIN_USER"), AdminPassword: Var(t, "KEYCLOAK_ADMIN_PASSWORD"),
		Audience: Var(t, "KEYCLOAK_AUDIENCE"), ClientID: Var(t, "KEYCLOAK_CLIENT_ID"), ClientSecret: Var(t, "KEYCLOAK_CLIENT_SECRET"),
		AdminClientID: Var(t, "KEYCLOAK_ADMIN_CLIENT_ID"), AdminClientSecret: Var(t, "KEYCLOAK_ADMIN_CLIENT_SECRET"),
		PasswordClientID: Var(t, "KEYCLOAK_PASSWORD_CLIENT_ID"),
		User:             Var(t, "KEYCLOAK_USER"), UserPassword: Var(t, "KEYCLOAK_USER_PASSWORD"),
		User2: Var(t, "KEYCLOAK_USER2"), User2Password: Var(t, "KEYCLOAK_USER2_PASSWORD"),
		Project1: Var(t, "KEYCLOAK_PROJECT1"), Project2: Var(t, "KEYCLOAK_PROJECT2"),
	}
	require(t, "keycloak", s.DiscoveryURL(), httpCheck(s.DiscoveryURL()))
	return s
}

// IssuerURL returns the test realm's issuer, http://127.0.0.1:<port>/realms/<realm>.
func (s *KeycloakServer) IssuerURL() string { return s.BaseURL + "/realms/" + s.Realm }

// DiscoveryURL returns the test realm's OpenID Provider configuration URL.
func (s *KeycloakServer) DiscoveryURL() string {
	return s.IssuerURL() + "/.well-known/openid-configuration"
}

// TokenURL returns the test realm's token endpoint.
func (s *KeycloakServer) TokenURL() string { return s.IssuerURL() + "/protocol/openid-connect/token" }

// JWKSURL returns the test realm's JWKS endpoint.
func (s *KeycloakServer) JWKSURL() string { return s.IssuerURL() + "/protocol/openid-connect/certs" }

// AdminURL returns the admin REST API base of the test realm, /admin/realms/<realm>.
func (s *KeycloakServer) AdminURL() string { return s.BaseURL + "/admin/realms/" + s.Realm }

// ClientCredentialsToken obtains an access token for clientID/secret with the client-credentials
// grant, failing the test on error.
func (s *KeycloakServer) ClientCredentialsToken(t TB, clientID, secret string) string {
	t.Helper()
	return token(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {secret}}, nil)
}

// PasswordToken obtains an access token for user/password through the public PasswordClientID
// with the resource-owner password grant, failing the test on error.
func (s *KeycloakServer) PasswordToken(t TB, user, password string) string {
	t.Helper()
	return s.PasswordTokenFor(t, s.PasswordClientID, user, password)
}

// PasswordTokenFor obtains an access token for user/password through the public client
// clientID of the test realm with the resource-owner password grant, failing the test on error.
func (s *KeycloakServer) PasswordTokenFor(t TB, clientID, user, password string) string {
	t.Helper()
	return token(t, s.TokenURL(), url.Values{"grant_type": {"password"}, "client_id": {clientID},
		"username": {user}, "password": {password}, "scope": {"openid"}}, nil)
}

// AdminToken obtains an access token of the bootstrap admin (AdminUser, master realm, admin-cli)
// for the admin REST API, failing the test on error. It is valid for the master realm's access
// token lifespan (60s unless changed).
func (s *KeycloakServer) AdminToken(t TB) string {
	t.Helper()
	return token(t, s.BaseURL+"/realms/master/protocol/openid-connect/token", url.Values{"grant_type": {"password"},
		"client_id": {"admin-cli"}, "username": {s.AdminUser}, "password": {s.AdminPassword}}, nil)
}

package registry

// LoginFailure lets the privacy guard test (package registry_test, which
// may import the monitor) hold the unexported login-failure model to the
// declaration too.
type LoginFailure = loginFailure

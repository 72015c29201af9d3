package tfprovider

// Call is Client.call, for the acceptance tests' checks and out-of-band changes.
var Call = (*Client).call

// IsNotFound is isNotFound, for the acceptance tests.
var IsNotFound = isNotFound

// CallJSON is Client.callJSON, for the tenancy endpoints in the acceptance tests.
var CallJSON = (*Client).callJSON

package registry

// PlainLookasides exposes plainLookasides to the external tests.
var PlainLookasides = plainLookasides

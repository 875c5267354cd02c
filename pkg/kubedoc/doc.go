// Package kubedoc is the one reader of Kubernetes objects for every
// command: YAML or JSON files, directories, standard input ("-"),
// multi-document streams, `List` and `XList` wrappers as `oc get -o yaml`
// prints them, and objects already decoded (from a live cluster). It keeps
// where every field is written, down to the line and column of a line
// inside an embedded string (a MachineOSConfig's containerFile content),
// and reads ConfigMap and Secret data. It knows no kind's meaning: which
// kinds a command handles is the caller's choice.
package kubedoc

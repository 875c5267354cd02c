package ocpversion

import "fmt"

// OS image streams a MachineConfigPool can name in spec.osImageStream.name
// (pkg/osimagestream/streams.go, release-4.22 and main).
const (
	StreamRHEL9  = "rhel-9"
	StreamRHEL10 = "rhel-10"
)

// StreamTags are the release payload's image-references tags of one stream
// (install/image-references, release-4.21 and later branches).
type StreamTags struct {
	Base, Extensions string
}

var streamTags = map[string]StreamTags{
	StreamRHEL9:  {"rhel-coreos", "rhel-coreos-extensions"},
	StreamRHEL10: {"rhel-coreos-10", "rhel-coreos-10-extensions"},
}

// OSImageStreamTags returns the payload tags of the named stream; the empty
// name is the version's default stream. It is an error on versions without
// OSImageStream (4.19, 4.20) when a stream other than the default is asked
// for, and for a stream name ocl-build does not know.
func (p Profile) OSImageStreamTags(name string) (StreamTags, error) {
	if name == "" {
		name = p.DefaultOSImageStream()
	}
	t, ok := streamTags[name]
	if !ok {
		return StreamTags{}, fmt.Errorf("OS image stream %q is unknown (known: %s, %s)", name, StreamRHEL9, StreamRHEL10)
	}
	if p.OSImageStream == OSImageStreamNone && name != StreamRHEL9 {
		return StreamTags{}, fmt.Errorf("OpenShift %s has no OSImageStream: MachineConfigPool spec.osImageStream arrived in 4.21", p.Version)
	}
	return t, nil
}

// DefaultOSImageStream is the stream a pool without spec.osImageStream
// gets on a cluster installed at this version: rhel-9 on 4.x, rhel-10 from
// 5.0 (GetBuiltinDefaultStreamName in pkg/osimagestream/streams.go,
// release-5.0 and main). A cluster upgraded from 4.x keeps rhel-9: the
// operator takes the install version from ClusterVersion's history.
func (p Profile) DefaultOSImageStream() string {
	if p.DefaultStream == "" {
		return StreamRHEL9
	}
	return p.DefaultStream
}

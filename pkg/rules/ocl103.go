package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL103: content over the CRD's 4096 characters.
var OCL103 = &Rule{
	ID: "OCL103", Title: "content longer than 4096 characters (CRD limit)", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: WholeFile,
	Doc: Doc{
		What: "The content is longer than 4096 characters; the message gives the length and the place the limit is crossed.",
		Why:  "MachineOSConfig spec.containerFile[].content has maxLength 4096, so the API server rejects the object. Move logic into an RPM, or into a script shipped in an image and copied with `COPY --from=`.",
		Bad:  "FROM configs AS final\n# ... 4100 characters of RUN lines ...\n",
		Good: "FROM configs AS final\nCOPY --from=quay.io/example/node-tools:1.4 /setup.sh /usr/libexec/setup.sh\nRUN /usr/libexec/setup.sh && ostree container commit\n",
	},
}

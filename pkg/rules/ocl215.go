package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL215: RPM files or downloads left in the image.
var OCL215 = &Rule{
	ID: "OCL215", Title: "RPM files or downloads left in the image", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "The final stage's chain downloads a file (curl -o/-O, wget, `dnf download`, ADD of a URL) or copies RPM files in, and nothing removes it afterwards. Files under /tmp and /var/tmp count as removed when an `ostree container commit` runs after them (it empties both).",
		Why:  "The file ships in the node image and in every node's download, and an RPM file left behind looks like an installed package to anyone reading the image. Remove it in the same RUN, download into /tmp and end with `ostree container commit`, or bind-mount it from another stage (`RUN --mount=type=bind,from=…`).",
		Bad:  "FROM configs AS final\nRUN curl -fsSLo /root/tool.rpm https://example.com/tool.rpm && rpm -i /root/tool.rpm\n",
		Good: "FROM configs AS final\nRUN curl -fsSLo /root/tool.rpm https://example.com/tool.rpm && rpm -i /root/tool.rpm && rm -f /root/tool.rpm\n",
	},
}

package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL402: a unit enabled by a MachineConfig exists nowhere.
var OCL402 = &Rule{
	ID: "OCL402", Title: "a MachineConfig enables a unit missing from the built image", Severity: findings.SeverityError,
	Checker: Image, Targets: Layering,
	Doc: Doc{
		What: "A MachineConfig enables a systemd unit (no contents) that exists in neither the base nor the built image.",
		Why:  "Enabling a unit that does not exist fails on every node. Give it contents, or install the package that ships it.",
		Bad:  "# MachineConfig\nspec:\n  config:\n    systemd:\n      units:\n      - name: nosuch.service\n        enabled: true\n",
		Good: "# MachineConfig\nspec:\n  config:\n    systemd:\n      units:\n      - name: nosuch.service\n        enabled: true\n        contents: |\n          [Service]\n          ExecStart=/usr/bin/true\n          [Install]\n          WantedBy=multi-user.target\n",
	},
}

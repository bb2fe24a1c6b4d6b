package service

import "github.com/runtime-lab/runtime-lab/workloads/catalog"

// Roles of the scenario (catalog.Service).
const (
	RoleBoth    = catalog.RoleBoth
	RoleServer  = catalog.RoleServer
	RoleLoadgen = catalog.RoleLoadgen
)

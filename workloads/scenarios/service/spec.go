package service

import "github.com/runtime-lab/runtime-lab/api/contract"

// Roles of the scenario (catalog.Service).
const (
	RoleBoth    = contract.RoleBoth
	RoleServer  = contract.RoleServer
	RoleLoadgen = contract.RoleLoadgen
)

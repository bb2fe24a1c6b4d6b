// Package validate checks an Experiment file exactly as the API server
// would: the same CRD schema (embedded from config/crd/bases), the same
// defaulting, unknown-field check, OpenAPI validation and CEL rules, run
// with the apiextensions-apiserver code the API server itself runs. So
// `kubectl lab run --local` rejects a bad file with the message
// `kubectl apply` would print.
package validate

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// crdYAML is config/crd/bases/lab.runtimelab.io_experiments.yaml, copied
// here by `make manifests` (go:embed cannot reach outside the package).
//
//go:embed crd.yaml
var crdYAML []byte

// Validator holds the compiled schema and CEL programs.
type Validator struct {
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// New compiles the embedded CRD's schema.
func New() (*Validator, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(crdYAML, &crd); err != nil {
		return nil, fmt.Errorf("embedded CRD: %w", err)
	}
	var props apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
		crd.Spec.Versions[0].Schema.OpenAPIV3Schema, &props, nil); err != nil {
		return nil, fmt.Errorf("embedded CRD schema: %w", err)
	}
	structural, err := structuralschema.NewStructural(&props)
	if err != nil {
		return nil, fmt.Errorf("embedded CRD schema: %w", err)
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(&props)
	if err != nil {
		return nil, fmt.Errorf("embedded CRD schema: %w", err)
	}
	return &Validator{structural: structural, schema: sv, cel: cel.NewValidator(structural, true, celconfig.PerCallLimit)}, nil
}

var experimentGK = schema.GroupKind{Group: labv1.GroupVersion.Group, Kind: "Experiment"}

// Decode parses, defaults and validates an Experiment manifest.
func (v *Validator) Decode(ctx context.Context, data []byte) (*labv1.Experiment, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not YAML or JSON: %w", err)
	}
	// Decode numbers as the API server does: whole numbers as int64.
	var obj map[string]any
	if err := utiljson.Unmarshal(js, &obj); err != nil {
		return nil, fmt.Errorf("not YAML or JSON: %w", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("empty manifest")
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion != labv1.GroupVersion.String() || kind != "Experiment" {
		return nil, fmt.Errorf("apiVersion %q, kind %q: want apiVersion %s and kind Experiment", apiVersion, kind, labv1.GroupVersion)
	}
	name := ""
	if md, ok := obj["metadata"].(map[string]any); ok {
		name, _ = md["name"].(string)
	}
	if unknown := pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}); len(unknown) > 0 {
		sort.Strings(unknown)
		msgs := make([]string, len(unknown))
		for i, u := range unknown {
			msgs[i] = fmt.Sprintf("unknown field %q", u)
		}
		// The API server's wording for strict field validation (kubectl apply's default).
		return nil, apierrors.NewBadRequest(fmt.Sprintf("Experiment in version %q cannot be handled as a Experiment: strict decoding error: %s",
			labv1.GroupVersion.Version, strings.Join(msgs, ", ")))
	}
	defaulting.Default(obj, v.structural)
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "name or generateName is required"))
	}
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, obj, v.schema)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, obj)...)
	if blocking(errs) {
		errs = append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
	} else {
		celErrs, _ := v.cel.Validate(ctx, nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(experimentGK, name, errs)
	}
	var exp labv1.Experiment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &exp); err != nil {
		return nil, fmt.Errorf("convert Experiment %s: %w", name, err)
	}
	return &exp, nil
}

// blocking mirrors the API server: these errors leave the object too
// malformed for CEL rules to be evaluated.
func blocking(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

// Package validate checks an Experiment file exactly as the API server
// would: the same CRD schema (embedded from config/crd/bases), the same
// defaulting, unknown-field check, OpenAPI validation and CEL rules, run
// with the apiextensions-apiserver code the API server itself runs. So
// `kubectl lab run --local` rejects a bad file with the message
// `kubectl apply` would print.
package validate

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
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
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
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

// MaxFileBytes bounds an Experiment manifest. An Experiment is a few KiB;
// the API server takes requests up to 3 MiB and etcd objects up to 1.5 MiB,
// a status included.
const MaxFileBytes = 1 << 20

// MaxStoredBytes bounds a stored Experiment with its status (a results
// directory's experiment.yaml): a 1,000-run status with every figure is
// about 1.5 MB.
const MaxStoredBytes = 32 << 20

// DecodeStored is Decode for an Experiment saved with its status (a
// results directory): the same checks, the status's schema included, with
// room for a large status (MaxStoredBytes).
func (v *Validator) DecodeStored(ctx context.Context, data []byte) (*labv1.Experiment, error) {
	return v.decode(ctx, data, MaxStoredBytes)
}

// Decode parses, defaults and validates an Experiment manifest: one YAML or
// JSON document of at most MaxFileBytes, no key given twice, no unknown
// field, metadata as the API server checks it (the name a DNS-1123
// subdomain of at most 253 characters; labels and annotations within their
// limits), then the CRD's OpenAPI schema and CEL rules.
func (v *Validator) Decode(ctx context.Context, data []byte) (*labv1.Experiment, error) {
	return v.decode(ctx, data, MaxFileBytes)
}

func (v *Validator) decode(ctx context.Context, data []byte, limit int) (*labv1.Experiment, error) {
	if len(data) > limit {
		return nil, fmt.Errorf("the manifest is %d bytes, over the %d-byte limit for an Experiment: is it the right file?", len(data), limit)
	}
	if err := oneDocument(data); err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("not YAML or JSON, or a key given twice: %w", err)
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
		if gen, _ := md["generateName"].(string); name == "" && gen != "" {
			return nil, fmt.Errorf("metadata.name: local runs need a name (there is no API server to make one from generateName %q); add one", gen)
		}
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
	errs := validateMetadata(obj)
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

// validateMetadata checks metadata as the API server checks a custom
// resource's on create. A file without a namespace is checked as if in
// "default", as kubectl would send it.
func validateMetadata(obj map[string]any) field.ErrorList {
	path := field.NewPath("metadata")
	raw, ok := obj["metadata"].(map[string]any)
	if !ok && obj["metadata"] != nil {
		return field.ErrorList{field.Invalid(path, obj["metadata"], fmt.Sprintf("expected map[string]interface{}, got %T", obj["metadata"]))}
	}
	var md metav1.ObjectMeta
	if raw != nil {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &md); err != nil {
			return field.ErrorList{field.Invalid(path, raw, err.Error())}
		}
	}
	if md.Namespace == "" {
		md.Namespace = "default"
	}
	return apimachineryvalidation.ValidateObjectMeta(&md, true, apimachineryvalidation.NameIsDNSSubdomain, path)
}

// oneDocument fails when data holds more than one YAML document: a second
// Experiment in the file would otherwise be silently ignored.
func oneDocument(data []byte) error {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	docs := 0
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not YAML or JSON: %w", err)
		}
		if !blankDocument(doc) {
			if docs++; docs > 1 {
				return fmt.Errorf("the file holds more than one YAML document (a second starts after a \"---\" line): give one Experiment per file")
			}
		}
	}
}

// blankDocument reports a document of only blank lines and comments.
func blankDocument(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// ReadFile reads at most limit+1 bytes of path, which must be a regular
// file (or "-" for standard input), so a device or a huge file cannot
// hang or exhaust the reader: the decoders then refuse what is over.
func ReadFile(path string, limit int64) ([]byte, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", path)
		}
		r = f
	}
	return io.ReadAll(io.LimitReader(r, limit+1))
}

package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// extraFields lists the JSON fields of an answer that the SDK's model does not have (the SDK's decoder
// ignores them silently): reported as warnings, not failures, since the real API sends some too.
func extraFields(body []byte, model any) []string {
	var raw any
	if len(body) == 0 || json.Unmarshal(body, &raw) != nil {
		return nil
	}
	var out []string
	walkExtra("", raw, reflect.TypeOf(model), &out)
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("fields not in the SDK's %s (ignored by its decoder): %s", typeName(model), strings.Join(out, ", "))}
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	return t.Name()
}

func walkExtra(prefix string, raw any, t reflect.Type, out *[]string) {
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return // an SDK enum or a type that decodes itself
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
		for k, v := range obj {
			ft, known := fields[k]
			if !known {
				*out = append(*out, prefix+k)
				continue
			}
			walkExtra(prefix+k+".", v, ft, out)
		}
	case reflect.Slice, reflect.Array:
		list, ok := raw.([]any)
		if !ok {
			return
		}
		seen := map[string]bool{}
		for _, v := range list {
			var sub []string
			walkExtra("", v, t.Elem(), &sub)
			for _, s := range sub {
				if !seen[s] {
					seen[s] = true
					*out = append(*out, strings.TrimSuffix(prefix, ".")+"[]."+s)
				}
			}
		}
	}
}

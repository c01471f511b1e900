// Package jsoncheck checks a hand-written JSON encoder (httpapi.JSONAppender)
// against encoding/json, for tests: every field of the value is filled by
// reflection with values that exercise the encoder (escapes, invalid UTF-8,
// nil and empty lists, null and set pointers, times with and without
// nanoseconds), so a field added to a response and forgotten by its
// AppendJSON, or encoded differently, fails the test.
package jsoncheck

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ticketd/ticketd/httpapi"
)

// Strings are the texts Fill draws from.
var Strings = []string{"", "plain", `quote " and \ backslash`, "line\nbreak\ttab\r\b\f", "\x00\x01\x1f\x7f",
	"<html> & 'single'", "\u2028 and \u2029", "bad \xff\xfe utf-8 \xe2\x82", "é 日本 🎉", "/slash/"}

var timeType = reflect.TypeOf(time.Time{})

// Fill sets every exported field of the struct v points to, recursively,
// from rnd: a pointer is nil or set, a list nil, empty or filled.
func Fill(v any, rnd *rand.Rand) { fill(reflect.ValueOf(v).Elem(), rnd) }

func fill(v reflect.Value, rnd *rand.Rand) {
	if v.Type() == timeType {
		t := time.Date(1+rnd.IntN(9998), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), rnd.IntN(24), rnd.IntN(60),
			rnd.IntN(60), []int{0, 1000, 123456000, 999999999}[rnd.IntN(4)], time.UTC)
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(Strings[rnd.IntN(len(Strings))])
	case reflect.Bool:
		v.SetBool(rnd.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -7, 123456789}[rnd.IntN(4)]
		if v.OverflowInt(n) {
			n = 1
		}
		v.SetInt(n)
	case reflect.Uint8:
		v.SetUint(uint64(rnd.IntN(256)))
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), rnd)
		}
	case reflect.Pointer:
		if rnd.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), rnd)
		v.Set(p)
	case reflect.Slice:
		switch rnd.IntN(3) {
		case 0:
			v.SetZero()
		default:
			s := reflect.MakeSlice(v.Type(), rnd.IntN(3), 3)
			for i := range s.Len() {
				fill(s.Index(i), rnd)
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			// An embedded struct of an unexported type is not settable as
			// a whole, but its exported fields are, and encoding/json
			// writes them.
			if f := v.Field(i); f.CanSet() || (v.Type().Field(i).Anonymous && f.Kind() == reflect.Struct) {
				fill(f, rnd)
			}
		}
	}
}

// Same fills a fresh T n times and fails t where its AppendJSON differs
// from encoding/json's output (without HTML escaping, as httpapi writes).
func Same[T httpapi.JSONAppender](t *testing.T, n int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		var v T
		Fill(&v, rnd)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		got, err := v.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Fatalf("value %d: AppendJSON wrote\n%s\nencoding/json writes\n%s", i, got, w)
		}
	}
}

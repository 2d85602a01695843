package registry

import (
	"reflect"
	"time"

	"gorm.io/gorm"
)

// SQLite keeps times as text and compares them as text, so every time must
// be written in one offset: UTC. Dates typed by people are midnights in
// Tehran; this callback turns every time a write carries into UTC, whether
// it comes in a struct or in an update map.
func registerUTC(db *gorm.DB) error {
	if err := db.Callback().Create().Before("gorm:create").Register("hozur:utc", toUTC); err != nil {
		return err
	}
	return db.Callback().Update().Before("gorm:update").Register("hozur:utc", toUTC)
}

var timeType = reflect.TypeOf(time.Time{})

func toUTC(db *gorm.DB) {
	st := db.Statement
	if m, ok := st.Dest.(map[string]any); ok {
		for k, v := range m {
			m[k] = utcValue(v)
		}
		return
	}
	if st.Schema == nil || !st.ReflectValue.IsValid() {
		return
	}
	rv := reflect.Indirect(st.ReflectValue)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			utcStruct(reflect.Indirect(rv.Index(i)))
		}
	case reflect.Struct:
		utcStruct(rv)
	}
}

func utcValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case *time.Time:
		if t != nil {
			u := t.UTC()
			return &u
		}
	}
	return v
}

func utcStruct(rv reflect.Value) {
	if rv.Kind() != reflect.Struct || !rv.CanSet() {
		return
	}
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch {
		case f.Type() == timeType && f.CanSet():
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		case f.Kind() == reflect.Pointer && f.Type().Elem() == timeType && !f.IsNil() && f.CanSet():
			u := f.Elem().Interface().(time.Time).UTC()
			f.Set(reflect.ValueOf(&u))
		case f.Kind() == reflect.Struct && f.Type() != timeType && rv.Type().Field(i).Anonymous:
			utcStruct(f)
		}
	}
}

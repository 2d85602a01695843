package demo

import (
	"context"
	"slices"
	"testing"

	"hozur/registry"
)

func TestDemoAssessments(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	if _, err := Generate(ctx, s, Options{Accounts: 200, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	platforms, err := s.Platforms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"eitaa": registry.ResultPass, "bale": registry.ResultPass, "aparat": registry.ResultPass, "virasty": registry.ResultPass,
		"rubika": registry.ResultFail, "soroush": registry.ResultPartial}
	for _, p := range platforms {
		as, ok := latest[p.ID]
		if w, assessed := want[p.Code]; ok != assessed || (ok && (as.Overall != w || as.Eligible != (w == registry.ResultPass))) {
			t.Errorf("%s: latest %+v (assessed %v), want %q", p.Code, as, ok, w)
		}
	}
	var messengers []string
	list, err := s.CompliantDomestic(ctx, "messenger")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		messengers = append(messengers, p.Code)
	}
	if !slices.Equal(messengers, []string{"eitaa", "bale"}) {
		t.Errorf("compliant messengers %v", messengers)
	}
	for code, n := range map[string]int{"eitaa": 2, "rubika": 1, "igap": 0} {
		p, err := s.PlatformByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := s.Assessments(ctx, p.ID)
		if err != nil || len(hist) != n {
			t.Errorf("%s: %d assessments (%v), want %d", code, len(hist), err, n)
		}
		if code == "rubika" && (hist[0].Attachment == nil || hist[0].Attachment.ContentType != registry.TypeText || hist[0].AssessorName != "system") {
			t.Errorf("rubika's assessment %+v", hist[0])
		}
	}
}

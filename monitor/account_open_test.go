package monitor

import (
	"testing"

	"hozur/registry"
)

// A personal account's handle is sealed in the registry: flags and mail
// show it opened.
func TestPersonalAccountOpenedInFlagsAndMail(t *testing.T) {
	e := newEnv(t)
	e.presence(at(2026, 1, 1, 0, 0), 1)
	p := e.account("instagram.com/Sara.Personal", registry.CapacityPersonal)
	if _, ok := e.flagsAt(at(2026, 2, 2, 9, 0), RuleForeignNoExemption)[p.ID]; !ok {
		t.Fatal("the personal account was not flagged")
	}
	list := must[registry.Result[FlagView]](t)(e.m.Flags(ctxb(), registry.System, FlagFilter{AccountID: p.ID}, registry.Page{PerPage: 10}))
	if len(list.Items) == 0 {
		t.Fatal("no flags listed")
	}
	for _, f := range list.Items {
		if f.AccountDisplay != "Sara.Personal" || f.AccountErased {
			t.Errorf("flag %d lists the account as %q (erased %v)", f.ID, f.AccountDisplay, f.AccountErased)
		}
		if one := must[*FlagView](t)(e.m.Flag(ctxb(), registry.System, f.ID)); one.AccountDisplay != "Sara.Personal" {
			t.Errorf("flag %d shows the account as %q", f.ID, one.AccountDisplay)
		}
	}
	acc := must[*mailAccount](t)(e.m.mailAccount(ctxb(), p.ID))
	if acc.Display != "Sara.Personal" {
		t.Errorf("mail names the account %q", acc.Display)
	}
}

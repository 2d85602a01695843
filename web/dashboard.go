package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// dashboardData is the start page: the registry's figures, and for
// officials and liaisons what to do next.
type dashboardData struct {
	Counts registry.RegistryCounts
	// Waiting counts the justifications on the reviewers' desk (not those
	// waiting for an official's answer).
	Waiting int64
	Next    *nextStep
	// Mine are the official's accounts with their cover.
	Mine []portalAccount
	// Open are the justifications in progress.
	Open []justificationRow
	// Uncovered are the liaison's agency's foreign accounts with no cover.
	Uncovered   []portalAccount
	MoreUncover bool
	CanDeclare  bool
	CanReview   bool
	IsOfficial  bool
	IsLiaison   bool
	// Charts are the oversight charts (report_dashboard.go), for
	// reviewers, administrators and auditors.
	Charts *dashCharts
}

// nextStep is the one sentence that says what to do next, with its link.
type nextStep struct {
	Text, Link, Action string
	Done               bool
}

// portalAccount is an account on the start page with what covers it.
type portalAccount struct {
	ID                        int64
	Display, Platform, Holder string
	Foreign                   bool
	Cover                     coverView
	Open                      *registry.JustificationView
	CanFile                   bool
}

func (s *Server) dashboard(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	counts, err := s.store.Counts(ctx, a)
	if err != nil {
		return err
	}
	p := s.page(c, "dashboard", "dashboard.title")
	d := dashboardData{Counts: counts, CanDeclare: a.MayEver(registry.ActionCreate, registry.ResAccount),
		CanReview: a.MayEver(registry.ActionDecide, registry.ResJustification)}
	switch a.Role {
	case registry.RoleOfficial:
		d.IsOfficial = true
		p.Title = p.L.T("portal.title")
		if err := s.officialPortal(ctx, p, a, &d); err != nil {
			return err
		}
	case registry.RoleLiaison:
		d.IsLiaison = true
		if err := s.liaisonPortal(ctx, p, a, &d); err != nil {
			return err
		}
	}
	if d.CanReview {
		res, err := s.store.Justifications(ctx, a, registry.JustificationFilter{States: []string{registry.StateSubmitted}}, registry.Page{PerPage: 1, WithTotal: true})
		if err != nil {
			return err
		}
		d.Waiting = res.Total
	}
	d.Charts = s.dashChartsOrNil(ctx, p, a)
	p.Data = d
	return s.render(c, http.StatusOK, "dashboard", p)
}

func (s *Server) portalAccounts(ctx context.Context, p *Page, a registry.Actor, items []registry.AccountView, open map[int64]registry.JustificationView) ([]portalAccount, error) {
	out := make([]portalAccount, 0, len(items))
	ids := make([]int64, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	covers, err := s.store.Coverages(ctx, ids, s.store.Now())
	if err != nil {
		return nil, err
	}
	for i := range items {
		acc := &items[i]
		known := covers[acc.ID]
		cv, err := s.describeCover(ctx, p, acc, &known)
		if err != nil {
			return nil, err
		}
		pa := portalAccount{ID: acc.ID, Display: acc.Display, Platform: s.nameOf(p, acc.PlatformName, acc.PlatformNameEn),
			Holder: acc.OfficialName, Foreign: acc.Origin == registry.OriginForeign, Cover: cv}
		if pa.Holder == "" {
			pa.Holder = s.nameOf(p, acc.AgencyName, acc.AgencyNameEn)
		}
		if j, ok := open[acc.ID]; ok {
			pa.Open = &j
		}
		pa.CanFile = pa.Foreign && acc.Status != registry.StatusClosed && a.Can(registry.ActionFile,
			registry.Target{Resource: registry.ResJustification, AgencyPath: acc.AgencyPath, OfficialID: derefID(acc.OfficialID)})
		out = append(out, pa)
	}
	return out, nil
}

// officialPortal fills an official's start page: their accounts, their
// justifications in progress, and the one thing to do next.
func (s *Server) officialPortal(ctx context.Context, p *Page, a registry.Actor, d *dashboardData) error {
	accs, err := s.store.Accounts(ctx, a, registry.AccountFilter{OfficialID: a.OfficialID}, registry.Page{PerPage: 100})
	if err != nil {
		return err
	}
	open, err := s.openJustifications(ctx, a, 0)
	if err != nil {
		return err
	}
	if d.Mine, err = s.portalAccounts(ctx, p, a, accs.Items, open); err != nil {
		return err
	}
	js, err := s.store.Justifications(ctx, a, registry.JustificationFilter{States: openStates}, registry.Page{PerPage: 50})
	if err != nil {
		return err
	}
	d.Open = s.justificationRows(p, js.Items)
	d.Next = s.nextStepOf(p, d.Mine, js.Items)
	return nil
}

// nextStepOf picks the most pressing thing to do: answer a question, close
// an account past its deadline, file for an uncovered account, submit a
// draft, renew an exemption ending soon; else nothing.
func (s *Server) nextStepOf(p *Page, mine []portalAccount, open []registry.JustificationView) *nextStep {
	jlink := func(id int64) string { return "/justifications/" + strconv.FormatInt(id, 10) }
	for _, j := range open {
		if j.State == registry.StateInfoRequested {
			return &nextStep{Text: p.L.T("portal.next.answer", "account", isolate(j.AccountDisplay), "platform", isolate(s.nameOf(p, j.PlatformName, j.PlatformNameEn))),
				Link: jlink(j.ID), Action: p.L.T("portal.action.answer")}
		}
	}
	for _, m := range mine {
		if m.Cover.Overdue {
			return &nextStep{Text: p.L.T("portal.next.close", "account", isolate(m.Display), "platform", isolate(m.Platform), "date", m.Cover.Closure),
				Link: "/accounts/" + strconv.FormatInt(m.ID, 10), Action: p.L.T("portal.action.open_account")}
		}
	}
	for _, m := range mine {
		if m.Foreign && m.Cover.Kind == registry.CoverNone && m.Open == nil && m.CanFile {
			return &nextStep{Text: p.L.T("portal.next.file", "account", isolate(m.Display), "platform", isolate(m.Platform)),
				Link: "/justifications/new?account_id=" + strconv.FormatInt(m.ID, 10), Action: p.L.T("portal.action.file")}
		}
	}
	for _, j := range open {
		if j.State == registry.StateDraft {
			return &nextStep{Text: p.L.T("portal.next.submit", "account", isolate(j.AccountDisplay), "platform", isolate(s.nameOf(p, j.PlatformName, j.PlatformNameEn))),
				Link: jlink(j.ID), Action: p.L.T("portal.action.submit")}
		}
	}
	for _, m := range mine {
		if m.Cover.Expiring && m.Cover.Kind == registry.CoverIndividual && m.Open == nil && m.CanFile {
			return &nextStep{Text: p.L.T("portal.next.renew", "account", isolate(m.Display), "platform", isolate(m.Platform)),
				Link: "/justifications/new?account_id=" + strconv.FormatInt(m.ID, 10), Action: p.L.T("portal.action.renew")}
		}
	}
	if len(open) > 0 {
		return &nextStep{Text: p.L.T("portal.next.wait"), Done: true}
	}
	return &nextStep{Text: p.L.T("portal.next.none"), Done: true}
}

// liaisonPortal fills a liaison's start page: their agency's justifications
// in progress and its foreign accounts without cover (the first 20).
func (s *Server) liaisonPortal(ctx context.Context, p *Page, a registry.Actor, d *dashboardData) error {
	js, err := s.store.Justifications(ctx, a, registry.JustificationFilter{States: openStates}, registry.Page{PerPage: 20})
	if err != nil {
		return err
	}
	d.Open = s.justificationRows(p, js.Items)
	open, err := s.openJustifications(ctx, a, 0)
	if err != nil {
		return err
	}
	// Coverage is decided per account; look at a bounded number of active
	// foreign accounts so the page stays quick in a large agency.
	accs, err := s.store.Accounts(ctx, a, registry.AccountFilter{Origin: registry.OriginForeign, Status: registry.StatusActive}, registry.Page{PerPage: 100})
	if err != nil {
		return err
	}
	for i := range accs.Items {
		one, err := s.portalAccounts(ctx, p, a, accs.Items[i:i+1], open)
		if err != nil {
			return err
		}
		if one[0].Cover.Kind != registry.CoverNone {
			continue
		}
		if len(d.Uncovered) == 20 {
			d.MoreUncover = true
			break
		}
		d.Uncovered = append(d.Uncovered, one[0])
	}
	d.MoreUncover = d.MoreUncover || (accs.Next != "" && len(d.Uncovered) == 20)
	return nil
}

package web

import (
	"context"
	"strconv"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

// How pages show privacy assessments: on the platform page, in the
// platforms list's filter, and as domestic alternatives beside a foreign
// account its holder was asked to close.

var resultColours = map[string]string{registry.ResultPass: "tag-green", registry.ResultPartial: "tag-orange", registry.ResultFail: "tag-red"}

var complianceColours = map[string]string{registry.ComplianceEligible: "tag-green", registry.ComplianceNotEligible: "tag-red",
	registry.ComplianceNotAssessed: "tag-grey"}

// assessmentView is one assessment as the platform page shows it.
type assessmentView struct {
	ID                  int64
	On, Assessor        string
	Summary             string
	Overall, Compliance Tag
	Provisions          []provisionView
	Attachment          *attachmentView
}

type provisionView struct {
	Title, Evidence string
	Result          Tag
}

type attachmentView struct {
	URL, Name, Size, Type string
}

// platformAssessments is the platform page's assessment section.
type platformAssessments struct {
	Domestic  bool
	Full      bool // the reader may see assessments in full
	CanCreate bool
	Latest    *assessmentView
	History   []assessmentView
}

func complianceTag(l *locale.Locale, c string) Tag {
	return Tag{complianceColours[c], l.T("assessment.compliance." + c)}
}

func (s *Server) assessmentView(p *Page, as *registry.Assessment) assessmentView {
	v := assessmentView{ID: as.ID, On: p.L.Date(as.AssessedOn), Assessor: as.AssessorName, Summary: as.Summary,
		Overall: Tag{resultColours[as.Overall], p.L.T("assessment.result." + as.Overall)}, Compliance: complianceTag(p.L, registry.ComplianceNotEligible)}
	if as.Eligible {
		v.Compliance = complianceTag(p.L, registry.ComplianceEligible)
	}
	for _, pr := range as.Provisions {
		v.Provisions = append(v.Provisions, provisionView{Title: p.L.T("assessment.provision." + pr.Provision), Evidence: pr.Evidence,
			Result: Tag{resultColours[pr.Result], p.L.T("assessment.result." + pr.Result)}})
	}
	if a := as.Attachment; a != nil {
		v.Attachment = &attachmentView{URL: "/assessments/" + strconv.FormatInt(as.ID, 10) + "/attachment", Name: a.FileName,
			Size: p.L.T("assessment.size_kb", "n", (a.Size+1023)/1024), Type: p.L.T("assessment.type." + attachmentKind(a.ContentType))}
	}
	return v
}

func attachmentKind(ctype string) string {
	switch ctype {
	case registry.TypePDF:
		return "pdf"
	case registry.TypePNG, registry.TypeJPEG:
		return "image"
	}
	return "text"
}

// platformAssessments reads a platform's assessments for the page: the
// whole history for those who may see it, else the latest result only.
func (s *Server) platformAssessments(c echo.Context, p *Page, pl *registry.Platform) (platformAssessments, error) {
	a := actorOf(c)
	d := platformAssessments{Domestic: pl.Origin == registry.OriginDomestic, Full: a.MayEver(registry.ActionView, registry.ResAssessment)}
	if !d.Domestic {
		return d, nil
	}
	d.CanCreate = a.MayEver(registry.ActionCreate, registry.ResAssessment)
	list, err := s.store.Assessments(c.Request().Context(), pl.ID)
	if err != nil || len(list) == 0 {
		return d, err
	}
	if !d.Full {
		// The verdict, its day and what it means for the licence; not the
		// evidence, the assessor or the file.
		latest := s.assessmentView(p, &list[0])
		latest.Provisions, latest.Attachment, latest.Assessor, latest.Summary = nil, nil, "", ""
		d.Latest = &latest
		return d, nil
	}
	for i := range list {
		d.History = append(d.History, s.assessmentView(p, &list[i]))
	}
	d.Latest = &d.History[0]
	return d, nil
}

// platformCompliance maps each domestic platform to its standing, for the
// platforms list: its filter and its column.
func (s *Server) platformCompliance(ctx context.Context, list []registry.Platform) (map[int64]string, error) {
	latest, err := s.store.LatestAssessments(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, pl := range list {
		var l *registry.Assessment
		if as, ok := latest[pl.ID]; ok {
			l = &as
		}
		out[pl.ID] = registry.ComplianceOf(pl, l)
	}
	return out, nil
}

// alternativesView is the list of compliant domestic platforms shown beside
// a foreign account its holder was asked to close.
type alternativesView struct {
	L         *locale.Locale
	Category  string
	Platforms []platformRow
}

// askedToLeave reports whether an account's holder was asked to leave its
// foreign platform: a refused justification or a revoked exemption set a
// closure deadline, or the closure was requested, and it is not closed.
func askedToLeave(a *registry.AccountView) bool {
	return a.Origin == registry.OriginForeign && a.Status != registry.StatusClosed &&
		(a.ClosureDeadline != nil || a.Status == registry.StatusClosureRequested)
}

// alternatives lists the compliant domestic platforms of the account's
// platform's category; nil when the holder was not asked to leave.
func (s *Server) alternatives(ctx context.Context, p *Page, a *registry.AccountView, refused bool) (*alternativesView, error) {
	if !askedToLeave(a) && (!refused || a.Origin != registry.OriginForeign || a.Status == registry.StatusClosed) {
		return nil, nil
	}
	pl, err := s.store.Platform(ctx, a.PlatformID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.CompliantDomestic(ctx, pl.Category)
	if err != nil {
		return nil, err
	}
	v := &alternativesView{L: p.L, Category: p.L.T("category." + pl.Category)}
	for _, x := range list {
		v.Platforms = append(v.Platforms, s.platformRow(p, x))
	}
	return v, nil
}

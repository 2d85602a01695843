package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// Platform privacy assessments: the form that records one (with its
// optional file) and the file's download. The platform page shows them
// (assessment_view.go).

// assessmentForm is the assessment form as posted.
type assessmentForm struct {
	PlatformID int64
	AssessedOn string
	Results    map[string]string // by provision
	Evidence   map[string]string
	Summary    string
}

func (f *assessmentForm) bind(c echo.Context) {
	f.AssessedOn, f.Summary = strings.TrimSpace(c.FormValue("assessed_on")), c.FormValue("summary")
	f.Results, f.Evidence = map[string]string{}, map[string]string{}
	for _, pr := range registry.Provisions {
		f.Results[pr] = c.FormValue(registry.ProvisionField(pr, "result"))
		f.Evidence[pr] = c.FormValue(registry.ProvisionField(pr, "evidence"))
	}
}

// input is the domain's input; a malformed day comes back as a field error.
func (f *assessmentForm) input(p *Page) (registry.AssessmentInput, map[string]string) {
	in := registry.AssessmentInput{PlatformID: f.PlatformID, Summary: f.Summary, Provisions: map[string]registry.ProvisionInput{}}
	for _, pr := range registry.Provisions {
		in.Provisions[pr] = registry.ProvisionInput{Result: f.Results[pr], Evidence: f.Evidence[pr]}
	}
	bad := map[string]string{}
	var err error
	if in.AssessedOn, err = p.L.ParseDate(f.AssessedOn); err != nil {
		bad["assessed_on"] = "error.date"
	}
	return in, bad
}

// assessmentFieldOrder is the form's order, for the error summary.
func assessmentFieldOrder() []string {
	out := []string{"assessed_on"}
	for _, pr := range registry.Provisions {
		out = append(out, registry.ProvisionField(pr, "result"), registry.ProvisionField(pr, "evidence"))
	}
	return append(out, "summary", "attachment", "platform_id")
}

// provisionFields are one provision's inputs on the form.
type provisionFields struct {
	Key, Title, Hint string
	Result, Evidence Field
}

type assessmentFormData struct {
	Platform   platformRow
	AssessedOn Field
	Provisions []provisionFields
	Summary    Field
	Attachment Field
	MaxMB      int
	Again      bool // the form came back: the file must be chosen again
}

func (s *Server) renderAssessmentForm(c echo.Context, p *Page, pl *registry.Platform, f *assessmentForm, status int) error {
	d := assessmentFormData{Platform: s.platformRow(p, *pl), MaxMB: registry.AttachmentMaxBytes >> 20, Again: p.Errors != nil,
		AssessedOn: newField(p, "assessed_on", "assessment.assessed_on", "text", f.AssessedOn),
		Summary:    newField(p, "summary", "assessment.summary", "textarea", f.Summary),
		Attachment: newField(p, "attachment", "assessment.attachment", "file", "")}
	for _, pr := range registry.Provisions {
		title := p.L.T("assessment.provision." + pr)
		res := withOptions(newField(p, registry.ProvisionField(pr, "result"), "assessment.result", "select", ""),
			append([]Option{{Value: "", Label: p.L.T("assessment.choose_result"), Selected: f.Results[pr] == ""}},
				options(p.L, "assessment.result.", registry.AssessmentResults, f.Results[pr], false)...))
		res.Label = p.L.T("assessment.result_of", "provision", title)
		ev := newField(p, registry.ProvisionField(pr, "evidence"), "assessment.evidence", "textarea", f.Evidence[pr])
		ev.Label = p.L.T("assessment.evidence_of", "provision", title)
		d.Provisions = append(d.Provisions, provisionFields{Key: pr, Title: title, Hint: p.L.T("assessment.provision." + pr + ".hint"), Result: res, Evidence: ev})
	}
	p.Title = p.L.T("assessment.new_for", "platform", d.Platform.Label)
	p.Data = d
	return s.render(c, status, "assessment_form", p)
}

// assessablePlatform is the :id platform, if the actor may assess it.
func (s *Server) assessablePlatform(c echo.Context) (*registry.Platform, error) {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResAssessment) {
		return nil, registry.ErrForbidden
	}
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	pl, err := s.store.Platform(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if pl.Origin != registry.OriginDomestic {
		return nil, &registry.ConflictError{Key: "assessment.domestic_only"}
	}
	return pl, nil
}

func (s *Server) assessmentNew(c echo.Context) error {
	pl, err := s.assessablePlatform(c)
	if err != nil {
		return err
	}
	p := s.page(c, "platforms", "")
	today := s.store.Day(s.store.Now())
	return s.renderAssessmentForm(c, p, pl, &assessmentForm{PlatformID: pl.ID, AssessedOn: p.L.NumericDate(&today)}, http.StatusOK)
}

func (s *Server) assessmentCreate(c echo.Context) error {
	pl, err := s.assessablePlatform(c)
	if err != nil {
		return err
	}
	p := s.page(c, "platforms", "")
	f := &assessmentForm{PlatformID: pl.ID}
	f.bind(c)
	in, bad := f.input(p)
	if in.Attachment, err = assessmentUpload(c); err != nil {
		return err
	}
	as, err := s.store.CreateAssessment(c.Request().Context(), actorOf(c), in)
	if err == nil {
		s.flash(c, "success", "assessment.flash_created")
		return redirectTo(c, "/platforms/"+strconv.FormatInt(as.PlatformID, 10)+"#assessment")
	}
	if err = overlayFieldErrors(err, bad); !formErrors(p, err, assessmentFieldOrder()) {
		return err
	}
	return s.renderAssessmentForm(c, p, pl, f, http.StatusUnprocessableEntity)
}

// assessmentUpload reads the form's file, if one was chosen: a byte past
// the limit is enough for the registry to refuse it.
func assessmentUpload(c echo.Context) (*registry.AttachmentInput, error) {
	fh, err := c.FormFile("attachment")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return nil, nil
	case err != nil:
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, registry.AttachmentMaxBytes+1))
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	return &registry.AttachmentInput{FileName: fh.Filename, Data: data}, nil
}

// assessmentAttachment downloads an assessment's file. It is always a
// download, never shown inline, and its type is the one its content was
// found to be when it was taken.
func (s *Server) assessmentAttachment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	att, err := s.store.Attachment(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", contentDisposition(att.FileName, "assessment-"+strconv.FormatInt(id, 10)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, att.ContentType, att.Data)
}

// contentDisposition names a download: the name as kept (RFC 5987), and
// for old clients an ASCII one made of fallback and the name's ending.
func contentDisposition(name, fallback string) string {
	ascii := fallback
	if i := strings.LastIndexByte(name, '.'); i >= 0 && isASCIIWord(name[i+1:]) {
		ascii += name[i:]
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(name)
}

func isASCIIWord(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

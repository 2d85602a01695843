package web

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// assessmentBody is a platform's privacy assessment as the API shows it.
type assessmentBody struct {
	ID          int64           `json:"id"`
	PlatformID  int64           `json:"platform_id"`
	DirectiveID *int64          `json:"directive_id" doc:"the privacy directive in force when it was recorded; null: none was recorded"`
	AssessedOn  jsonDate        `json:"assessed_on"`
	Overall     string          `json:"overall" enum:"assessment_result" doc:"derived: pass when every provision passes, fail when any fails, partial otherwise"`
	Eligible    bool            `json:"eligible" doc:"eligible for licence renewal: true exactly when every provision passes"`
	Assessor    assessorBody    `json:"assessor"`
	Summary     string          `json:"summary"`
	Provisions  []provisionBody `json:"provisions" doc:"the directive's four provisions, in its order"`
	Attachment  *attachmentBody `json:"attachment" doc:"null: no file"`
	CreatedAt   time.Time       `json:"created_at"`
}

// assessorBody is who recorded an assessment, as recorded.
type assessorBody struct {
	UserID *int64 `json:"user_id" doc:"null: recorded from the command line, or the user was removed"`
	Name   string `json:"name" doc:"the username when the assessment was recorded"`
}

// provisionBody is one provision's result.
type provisionBody struct {
	Provision string `json:"provision" enum:"provision"`
	Result    string `json:"result" enum:"assessment_result"`
	Evidence  string `json:"evidence"`
}

// attachmentBody describes an assessment's file.
type attachmentBody struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type" enum:"attachment_type" doc:"what the content was found to be, whatever the name said"`
	Size        int64  `json:"size" doc:"bytes"`
	SHA256      string `json:"sha256" doc:"hex"`
	URL         string `json:"url" doc:"GET it with the token to download the file"`
}

func assessmentBodyOf(tz *time.Location) func(registry.Assessment) assessmentBody {
	return func(as registry.Assessment) assessmentBody {
		b := assessmentBody{ID: as.ID, PlatformID: as.PlatformID, DirectiveID: as.DirectiveID, AssessedOn: dayOut(as.AssessedOn, tz),
			Overall: as.Overall, Eligible: as.Eligible, Assessor: assessorBody{UserID: as.AssessorID, Name: as.AssessorName}, Summary: as.Summary,
			Provisions: make([]provisionBody, 0, len(as.Provisions)), CreatedAt: as.CreatedAt.UTC()}
		for _, p := range as.Provisions {
			b.Provisions = append(b.Provisions, provisionBody{Provision: p.Provision, Result: p.Result, Evidence: p.Evidence})
		}
		if a := as.Attachment; a != nil {
			b.Attachment = &attachmentBody{FileName: a.FileName, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
				URL: "/api/v1/assessments/" + strconv.FormatInt(as.ID, 10) + "/attachment"}
		}
		return b
	}
}

// assessmentIn is the body of POST /platforms/{id}/assessments.
type assessmentIn struct {
	AssessedOn opt[string]   `json:"assessed_on" doc:"YYYY-MM-DD, not after today" format:"date"`
	Provisions provisionsIn  `json:"provisions" doc:"every one of the four is required"`
	Summary    string        `json:"summary"`
	Attachment *attachmentIn `json:"attachment" doc:"optional: one PDF, PNG, JPEG or plain-text file of up to 10 MB, its type found from its content"`
}

// provisionsIn are the four provisions' results.
type provisionsIn struct {
	DataMinimisation    provisionIn `json:"data_minimisation"`
	PurposeTransparency provisionIn `json:"purpose_transparency"`
	DeletionOnRequest   provisionIn `json:"deletion_on_request"`
	Encryption          provisionIn `json:"encryption"`
}

// provisionIn is one provision's result and evidence.
type provisionIn struct {
	Result   string `json:"result" enum:"assessment_result"`
	Evidence string `json:"evidence" doc:"required unless the result is pass"`
}

// attachmentIn is a file sent inline.
type attachmentIn struct {
	FileName string `json:"file_name" doc:"its ending must match its content (.pdf, .png, .jpg, .txt); without one it is given one"`
	Data     string `json:"data" format:"byte" doc:"the file's bytes, base64"`
}

func (b assessmentIn) input(platformID int64, tz *time.Location) (registry.AssessmentInput, map[string]string) {
	bad := map[string]string{}
	in := registry.AssessmentInput{PlatformID: platformID, AssessedOn: dateIn(b.AssessedOn, nil, "assessed_on", tz, bad), Summary: b.Summary,
		Provisions: map[string]registry.ProvisionInput{}}
	for p, v := range map[string]provisionIn{registry.ProvisionDataMinimisation: b.Provisions.DataMinimisation,
		registry.ProvisionPurposeTransparency: b.Provisions.PurposeTransparency, registry.ProvisionDeletionOnRequest: b.Provisions.DeletionOnRequest,
		registry.ProvisionEncryption: b.Provisions.Encryption} {
		in.Provisions[p] = registry.ProvisionInput{Result: v.Result, Evidence: v.Evidence}
	}
	if b.Attachment != nil {
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b.Attachment.Data))
		if err != nil {
			bad["attachment.data"], data = "assessment.base64", nil
		}
		in.Attachment = &registry.AttachmentInput{FileName: b.Attachment.FileName, Data: data}
	}
	return in, bad
}

// assessmentReader refuses those who may not see assessments in full.
func assessmentReader(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionView, registry.ResAssessment) {
		return registry.ErrForbidden
	}
	return nil
}

func (s *Server) apiAssessmentList(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := assessmentReader(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.Platform(ctx, id); err != nil {
		return err
	}
	list, err := s.store.Assessments(ctx, id)
	if err != nil {
		return err
	}
	return writeList(c, registry.Result[registry.Assessment]{Items: list}, assessmentBodyOf(s.tz))
}

func (s *Server) apiAssessmentCreate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b assessmentIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResAssessment) {
		return registry.ErrForbidden
	}
	// A malformed day or file leaves its value out, which the store refuses
	// too: one answer names every problem.
	in, bad := b.input(id, s.tz)
	as, err := s.store.CreateAssessment(c.Request().Context(), a, in)
	if err != nil {
		return overlayFieldErrors(err, bad)
	}
	return apiCreated(c, "assessments", as.ID, assessmentBodyOf(s.tz)(*as))
}

func (s *Server) apiAssessmentGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := assessmentReader(c); err != nil {
		return err
	}
	as, err := s.store.Assessment(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, assessmentBodyOf(s.tz)(*as))
}

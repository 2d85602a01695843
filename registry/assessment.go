package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"hozur/registry/textnorm"
)

// The privacy directive's provisions, which an assessment judges one by one,
// in the directive's order.
const (
	ProvisionDataMinimisation    = "data_minimisation"
	ProvisionPurposeTransparency = "purpose_transparency"
	ProvisionDeletionOnRequest   = "deletion_on_request"
	ProvisionEncryption          = "encryption"
)

// Provisions lists the provisions in the directive's order.
var Provisions = []string{ProvisionDataMinimisation, ProvisionPurposeTransparency, ProvisionDeletionOnRequest, ProvisionEncryption}

// The result of a provision, and an assessment's overall verdict.
const (
	ResultPass    = "pass"
	ResultPartial = "partial"
	ResultFail    = "fail"
)

// AssessmentResults lists the results, best first.
var AssessmentResults = []string{ResultPass, ResultPartial, ResultFail}

// A domestic platform's standing, by its latest assessment.
const (
	ComplianceEligible    = "eligible"
	ComplianceNotEligible = "not_eligible"
	ComplianceNotAssessed = "not_assessed"
)

// Compliances lists the standings a platform list can be filtered by.
var Compliances = []string{ComplianceEligible, ComplianceNotEligible, ComplianceNotAssessed}

// AttachmentMaxBytes is the largest file an assessment takes.
const AttachmentMaxBytes = 10 << 20

// Attachment content types: what a file is, by its content.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeText = "text/plain; charset=utf-8"
)

// Assessment is a domestic platform's privacy assessment against the
// directive's provisions. It is never changed: a newer one supersedes it.
type Assessment struct {
	ID          int64
	PlatformID  int64
	DirectiveID *int64
	AssessedOn  time.Time
	// Overall is derived: pass when every provision passes, fail when any
	// fails, partial otherwise.
	Overall string
	// Eligible is the platform's eligibility for licence renewal: true
	// exactly when every provision passes.
	Eligible     bool
	AssessorID   *int64
	AssessorName string // the assessor's username when the assessment was made
	Summary      string
	CreatedAt    time.Time
	Provisions   []AssessmentProvision `gorm:"foreignKey:AssessmentID"`
	Attachment   *AttachmentInfo       `gorm:"-"`
}

// TableName is the table the monitor's rule and the reports read.
func (Assessment) TableName() string { return "platform_assessments" }

// AssessmentProvision is one provision's result, with the evidence for it.
type AssessmentProvision struct {
	AssessmentID int64  `gorm:"primaryKey;autoIncrement:false"`
	Provision    string `gorm:"primaryKey"`
	Result       string
	Evidence     string
}

// AttachmentInfo describes an assessment's file, without its bytes.
type AttachmentInfo struct {
	AssessmentID int64 `gorm:"primaryKey;autoIncrement:false"`
	FileName     string
	ContentType  string
	Size         int64
	SHA256       string `gorm:"column:sha256"`
	CreatedAt    time.Time
}

// TableName names the attachments' table.
func (AttachmentInfo) TableName() string { return "assessment_attachments" }

// Attachment is an assessment's file with its bytes.
type Attachment struct {
	AttachmentInfo `gorm:"embedded"`
	Data           []byte
}

// TableName names the attachments' table.
func (Attachment) TableName() string { return "assessment_attachments" }

// ProvisionInput is one provision's result as the assessor gives it.
type ProvisionInput struct {
	Result   string
	Evidence string
}

// AttachmentInput is an uploaded file: its type comes from its content.
type AttachmentInput struct {
	FileName string
	Data     []byte
}

// AssessmentInput is what an assessor records. Field errors name
// "assessed_on", "summary", "attachment", "platform_id" and, per provision,
// ProvisionField(p, "result") and ProvisionField(p, "evidence").
type AssessmentInput struct {
	PlatformID int64
	AssessedOn *time.Time
	Provisions map[string]ProvisionInput // by provision
	Summary    string
	Attachment *AttachmentInput // nil: none
}

// ProvisionField is the field key of a provision's part ("result" or
// "evidence"), the path of the value in the API's body.
func ProvisionField(provision, part string) string { return "provisions." + provision + "." + part }

// OverallOf derives the verdict from the provisions' results.
func OverallOf(results []string) string {
	switch {
	case len(results) == 0:
		return ResultFail
	case slices.Contains(results, ResultFail):
		return ResultFail
	case slices.ContainsFunc(results, func(r string) bool { return r != ResultPass }):
		return ResultPartial
	}
	return ResultPass
}

// ComplianceOf is a platform's standing by its latest assessment (nil: none
// yet); "" for a foreign platform, which is not assessed.
func ComplianceOf(p Platform, latest *Assessment) string {
	switch {
	case p.Origin != OriginDomestic:
		return ""
	case latest == nil:
		return ComplianceNotAssessed
	case latest.Eligible:
		return ComplianceEligible
	}
	return ComplianceNotEligible
}

func (in *AssessmentInput) normalise() {
	in.Summary = strings.TrimSpace(strings.ToValidUTF8(in.Summary, ""))
	for k, p := range in.Provisions {
		p.Result = strings.TrimSpace(p.Result)
		p.Evidence = strings.TrimSpace(strings.ToValidUTF8(p.Evidence, ""))
		in.Provisions[k] = p
	}
}

// validate checks everything but the platform; today is the first day an
// assessment may not be dated after.
func (in AssessmentInput) validate(today time.Time) fieldErrors {
	fe := fieldErrors{}
	switch {
	case in.AssessedOn == nil:
		fe.add("assessed_on", "error.required")
	case in.AssessedOn.After(today):
		fe.add("assessed_on", "assessment.future")
	}
	for _, p := range Provisions {
		res, ev := in.Provisions[p].Result, in.Provisions[p].Evidence
		switch {
		case res == "":
			fe.add(ProvisionField(p, "result"), "error.choose")
		case !slices.Contains(AssessmentResults, res):
			fe.add(ProvisionField(p, "result"), "error.choose")
		case res != ResultPass && ev == "":
			fe.add(ProvisionField(p, "evidence"), "assessment.evidence_required")
		}
		checkText(fe, ProvisionField(p, "evidence"), ev, false, 4000)
	}
	for k := range in.Provisions {
		if !slices.Contains(Provisions, k) {
			fe.add("provisions", "assessment.unknown_provision")
		}
	}
	checkText(fe, "summary", in.Summary, false, 4000)
	return fe
}

// attachmentTypes are the types a file may be, with the name endings that
// say so.
var attachmentTypes = map[string][]string{TypePDF: {".pdf"}, TypePNG: {".png"}, TypeJPEG: {".jpg", ".jpeg"}, TypeText: {".txt"}}

// sniffAttachment is what a file is by its first bytes; "" when it is none
// of the types taken.
func sniffAttachment(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case plainText(b):
		return TypeText
	}
	return ""
}

// plainText reports whether b is UTF-8 text with no control characters
// besides white space. A script ("#!") is a program, not a document.
func plainText(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(b) || bytes.HasPrefix(b, []byte("#!")) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f {
			return false
		}
	}
	return true
}

// checkAttachment checks a file and returns its content type and its name
// as kept: without a folder, and given its type's ending if it had none.
// A name whose ending claims another type is refused: a "report.pdf" that
// is not a PDF is not what it says.
func checkAttachment(fe fieldErrors, f *AttachmentInput) (string, string) {
	name := textnorm.Display(path.Base(strings.ReplaceAll(f.FileName, `\`, "/")))
	if name == "." || name == "/" {
		name = ""
	}
	switch {
	case len(f.Data) == 0:
		fe.add("attachment", "assessment.attachment_empty")
		return "", ""
	case len(f.Data) > AttachmentMaxBytes:
		fe.add("attachment", "assessment.attachment_too_large")
		return "", ""
	}
	ctype := sniffAttachment(f.Data)
	if ctype == "" {
		fe.add("attachment", "assessment.attachment_type")
		return "", ""
	}
	ext := strings.ToLower(path.Ext(name))
	switch {
	case name == "" || ext == "":
		name = strings.TrimSuffix(name, ".")
		if name == "" {
			name = "attachment"
		}
		name += attachmentTypes[ctype][0]
	case !slices.Contains(attachmentTypes[ctype], ext):
		fe.add("attachment", "assessment.attachment_mismatch")
		return "", ""
	}
	if utf8.RuneCountInString(name) > 200 {
		fe.add("attachment", "assessment.attachment_name")
	}
	return ctype, name
}

// CreateAssessment records a domestic platform's assessment, its provisions
// and its file in one transaction, tied to the privacy directive in force.
func (s *Store) CreateAssessment(ctx context.Context, a Actor, in AssessmentInput) (*Assessment, error) {
	if !a.MayEver(ActionCreate, ResAssessment) {
		return nil, ErrForbidden
	}
	pl, err := s.Platform(ctx, in.PlatformID)
	if err != nil {
		return nil, err
	}
	in.normalise()
	fe := in.validate(s.Day(s.Now()))
	if pl.Origin != OriginDomestic {
		fe.add("platform_id", "assessment.domestic_only")
	}
	var ctype, name string
	if in.Attachment != nil {
		ctype, name = checkAttachment(fe, in.Attachment)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	directive, err := s.latestDirective(ctx, DirectivePrivacy)
	if err != nil {
		return nil, err
	}
	var directiveID *int64
	if directive != 0 {
		directiveID = &directive
	}
	now := s.Now()
	results := make([]string, 0, len(Provisions))
	provs := make([]AssessmentProvision, 0, len(Provisions))
	for _, p := range Provisions {
		results = append(results, in.Provisions[p].Result)
		provs = append(provs, AssessmentProvision{Provision: p, Result: in.Provisions[p].Result, Evidence: in.Provisions[p].Evidence})
	}
	as := &Assessment{PlatformID: pl.ID, DirectiveID: directiveID, AssessedOn: s.Day(*in.AssessedOn), Overall: OverallOf(results),
		AssessorName: a.Username, Summary: in.Summary, CreatedAt: now}
	as.Eligible = as.Overall == ResultPass
	if a.UserID != 0 {
		uid := a.UserID
		as.AssessorID = &uid
	}
	change := map[string]any{"platform_id": pl.ID, "assessed_on": as.AssessedOn.In(s.rules.Location).Format(time.DateOnly),
		"overall": as.Overall, "eligible": as.Eligible, "results": results}
	err = s.Tx(ctx, func(ctx context.Context) error {
		if err := s.db(ctx).Omit("Provisions").Create(as).Error; err != nil {
			return fmt.Errorf("create assessment: %w", err)
		}
		for i := range provs {
			provs[i].AssessmentID = as.ID
		}
		if err := s.db(ctx).Create(&provs).Error; err != nil {
			return fmt.Errorf("create assessment: %w", err)
		}
		if in.Attachment != nil {
			sum := sha256.Sum256(in.Attachment.Data)
			att := Attachment{AttachmentInfo: AttachmentInfo{AssessmentID: as.ID, FileName: name, ContentType: ctype,
				Size: int64(len(in.Attachment.Data)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now}, Data: in.Attachment.Data}
			if err := s.db(ctx).Create(&att).Error; err != nil {
				return fmt.Errorf("create assessment: %w", err)
			}
			as.Attachment = &att.AttachmentInfo
			change["attachment"] = map[string]any{"file_name": name, "size": att.Size, "sha256": att.SHA256}
		}
		// No account changes, but the platform's PLATFORM_PRIVACY flag
		// should follow the new verdict at once: that needs a full scan.
		s.touchAll(ctx)
		return s.record(ctx, a, "create", "assessment", as.ID, change)
	})
	if err != nil {
		return nil, err
	}
	as.Provisions = provs
	return as, nil
}

// latestDirective is the id of the latest directive of a kind, or 0.
func (s *Store) latestDirective(ctx context.Context, kind string) (int64, error) {
	var ids []int64
	err := s.rdb(ctx).Model(&Directive{}).Where("kind = ?", kind).Order("notified_on DESC, id DESC").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// newestFirst orders assessments as the monitor's rule does: by the day
// assessed, then by when recorded.
const newestFirst = "assessed_on DESC, id DESC"

func orderProvisions(db *gorm.DB) *gorm.DB {
	return db.Order("CASE provision WHEN 'data_minimisation' THEN 1 WHEN 'purpose_transparency' THEN 2 WHEN 'deletion_on_request' THEN 3 ELSE 4 END")
}

// Assessment returns one assessment with its provisions and its file's
// description. Who may see it is the caller's question (ResAssessment).
func (s *Store) Assessment(ctx context.Context, id int64) (*Assessment, error) {
	var as Assessment
	err := s.rdb(ctx).Preload("Provisions", orderProvisions).Where("id = ?", id).Take(&as).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get assessment: %w", err)
	}
	list := []Assessment{as}
	if err := s.attachInfos(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// Assessments is a platform's assessment history, newest first, each with
// its provisions and its file's description.
func (s *Store) Assessments(ctx context.Context, platformID int64) ([]Assessment, error) {
	var list []Assessment
	err := s.rdb(ctx).Preload("Provisions", orderProvisions).Where("platform_id = ?", platformID).Order(newestFirst).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list assessments: %w", err)
	}
	return list, s.attachInfos(ctx, list)
}

// attachInfos fills in the descriptions of the assessments' files.
func (s *Store) attachInfos(ctx context.Context, list []Assessment) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	var infos []AttachmentInfo
	if err := s.rdb(ctx).Where("assessment_id IN ?", ids).Find(&infos).Error; err != nil {
		return fmt.Errorf("list attachments: %w", err)
	}
	for i := range infos {
		for j := range list {
			if list[j].ID == infos[i].AssessmentID {
				list[j].Attachment = &infos[i]
			}
		}
	}
	return nil
}

// LatestAssessments maps each assessed platform to its latest assessment,
// in one query, without provisions or file.
func (s *Store) LatestAssessments(ctx context.Context) (map[int64]Assessment, error) {
	var list []Assessment
	err := s.rdb(ctx).Where(`id = (SELECT pa.id FROM platform_assessments pa WHERE pa.platform_id = platform_assessments.platform_id
ORDER BY pa.assessed_on DESC, pa.id DESC LIMIT 1)`).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("latest assessments: %w", err)
	}
	out := make(map[int64]Assessment, len(list))
	for _, as := range list {
		out[as.PlatformID] = as
	}
	return out, nil
}

// CompliantDomestic lists the active domestic platforms of a category whose
// latest assessment makes them eligible: where an official asked to leave a
// foreign platform can go.
func (s *Store) CompliantDomestic(ctx context.Context, category string) ([]Platform, error) {
	list, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := s.LatestAssessments(ctx)
	if err != nil {
		return nil, err
	}
	var out []Platform
	for _, p := range list {
		if as, ok := latest[p.ID]; ok && p.Active && p.Origin == OriginDomestic && p.Category == category && as.Eligible {
			out = append(out, p)
		}
	}
	return out, nil
}

// Attachment returns an assessment's file, to those who may see
// assessments in full.
func (s *Store) Attachment(ctx context.Context, a Actor, assessmentID int64) (*Attachment, error) {
	if !a.MayEver(ActionView, ResAssessment) {
		return nil, ErrForbidden
	}
	var att Attachment
	err := s.rdb(ctx).Where("assessment_id = ?", assessmentID).Take(&att).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get attachment: %w", err)
	}
	return &att, nil
}

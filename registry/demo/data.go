package demo

import (
	"strings"

	"hozur/registry"
)

// The reference data of /work/shared/REFERENCE-DATA.md, with the Latin forms
// that handles, codes and e-mail addresses are made from. ZWNJ is written
// as \u200c so that it is visible in review.

// unit is a template for the units a body has in every province or county.
// In fa and en, {p}/{P} is the province, {c}/{C} the county and {k}/{K} the
// provincial capital, in Persian and English.
type unit struct {
	fa, en string
	kind   string
	head   string // position of the unit's head
}

// body is a ministry, an organisation, a company or a university.
type body struct {
	code, slug, domain string
	fa, en             string
	kind               string
	head               string
	prov, county       *unit
	children           []body
}

// Positions and their rank levels, highest first. «رئیس دانشگاه» and
// «رئیس کل» are not in the reference list; they head universities and the
// central bank, and rank with the head of an organisation.
const (
	posMinister     = "وزیر"
	posVP           = "معاون رئیس\u200cجمهور"
	posGovernor     = "استاندار"
	posDeputy       = "معاون وزیر"
	posOrgHead      = "رئیس سازمان"
	posCEO          = "مدیرعامل"
	posDeputyGov    = "معاون استاندار"
	posUniHead      = "رئیس دانشگاه"
	posBankHead     = "رئیس کل"
	posAdviser      = "مشاور وزیر"
	posSpokesperson = "سخنگوی وزارت"
	posDG           = "مدیرکل"
	posPR           = "مدیرکل روابط عمومی"
	posCountyGov    = "فرماندار"
	posDeputyDG     = "معاون مدیرکل"
	posDistrictGov  = "بخشدار"
	posDeptHead     = "رئیس اداره"
	posOfficer      = "کارشناس"
)

// ranks maps every position to its rank level (1 to 5).
var ranks = map[string]int{
	posMinister: 1, posVP: 1, posGovernor: 1,
	posDeputy: 2, posOrgHead: 2, posCEO: 2, posDeputyGov: 2, posUniHead: 2, posBankHead: 2,
	posAdviser: 3, posSpokesperson: 3, posDG: 3, posPR: 3, posCountyGov: 3,
	posDeputyDG: 4, posDistrictGov: 4,
	posDeptHead: 5, posOfficer: 5,
}

// positionLatin names a position in office handles (vazir_medu,
// ostandar_fars).
var positionLatin = map[string]string{
	posMinister: "vazir", posVP: "moavenraees", posGovernor: "ostandar", posDeputy: "moaven",
	posOrgHead: "raees", posCEO: "modiramel", posDeputyGov: "moaven", posUniHead: "raees",
	posBankHead: "raeeskol", posAdviser: "moshaver", posSpokesperson: "sokhangoo", posDG: "modirkol",
	posPR: "pr", posCountyGov: "farmandar", posDeputyDG: "moaven", posDistrictGov: "bakhshdar",
	posDeptHead: "raees", posOfficer: "",
}

// staffPos is a position staff are drawn for, with its weight and how many
// may hold it at once in one agency (0: any number). Once the seats are
// taken, further staff are officers.
type staffPos struct {
	title  string
	weight float64
	seats  int
}

// staffOf lists the positions below each head; provincial units use a
// shorter list whatever their head is called.
var staffOf = map[string][]staffPos{
	posMinister:    {{posDeputy, 3, 6}, {posAdviser, 3, 8}, {posSpokesperson, 1, 1}, {posDG, 2, 6}, {posOfficer, 4, 0}},
	posVP:          {{posDG, 4, 8}, {posPR, 1, 1}, {posDeptHead, 3, 0}, {posOfficer, 6, 0}},
	posGovernor:    {{posDeputyGov, 2, 5}, {posDG, 3, 8}, {posPR, 1, 1}, {posOfficer, 6, 0}},
	posDeputy:      {{posDG, 3, 5}, {posAdviser, 1, 3}, {posOfficer, 6, 0}},
	posOrgHead:     {{posDG, 3, 8}, {posPR, 1, 1}, {posDeptHead, 3, 0}, {posOfficer, 6, 0}},
	posCEO:         {{posDG, 2, 8}, {posPR, 1, 1}, {posDeptHead, 3, 0}, {posOfficer, 6, 0}},
	posUniHead:     {{posDG, 2, 8}, {posPR, 1, 1}, {posDeptHead, 3, 0}, {posOfficer, 6, 0}},
	posBankHead:    {{posDG, 3, 8}, {posPR, 1, 1}, {posDeptHead, 3, 0}, {posOfficer, 6, 0}},
	posDG:          {{posDeputyDG, 3, 4}, {posDeptHead, 3, 10}, {posOfficer, 6, 0}},
	posPR:          {{posDeptHead, 2, 4}, {posOfficer, 5, 0}},
	posDeputyDG:    {{posDeptHead, 2, 5}, {posOfficer, 5, 0}},
	posDeputyGov:   {{posDG, 2, 3}, {posOfficer, 5, 0}},
	posCountyGov:   {{posDeptHead, 2, 5}, {posOfficer, 5, 0}},
	posDistrictGov: {{posOfficer, 1, 0}},
	posDeptHead:    {{posOfficer, 1, 0}},
}

var provincialStaff = []staffPos{{posDeputyDG, 3, 4}, {posDeptHead, 3, 10}, {posOfficer, 6, 0}}

// Unit templates used by several bodies.
func provOffice(fa, en string) *unit {
	return &unit{fa: fa + " استان {p}", en: en + " of {P} Province", kind: registry.KindProvincial, head: posDG}
}

func provOrg(fa, en string) *unit {
	return &unit{fa: fa + " استان {p}", en: en + " of {P} Province", kind: registry.KindProvincial, head: posOrgHead}
}

func countyOffice(fa, en string) *unit {
	return &unit{fa: fa + " شهرستان {c}", en: en + " of {C} County", kind: registry.KindCounty, head: posDeptHead}
}

func org(code, slug, fa, en string, kids ...body) body {
	return body{code: code, slug: slug, fa: fa, en: en, kind: registry.KindOrganisation, head: posOrgHead, children: kids}
}

func company(code, slug, domain, fa, en string) body {
	return body{code: code, slug: slug, domain: domain, fa: fa, en: en, kind: registry.KindCompany, head: posCEO}
}

func university(code, slug, domain, fa, en string) body {
	return body{code: code, slug: slug, domain: domain, fa: fa, en: en, kind: registry.KindUniversity, head: posUniHead}
}

func ministry(code, slug, domain, fa, en string, prov, county *unit, kids ...body) body {
	return body{code: code, slug: slug, domain: domain, fa: "وزارت " + fa, en: "Ministry of " + en, kind: registry.KindMinistry,
		head: posMinister, prov: prov, county: county, children: kids}
}

func withUnits(b body, domain string, prov, county *unit) body {
	b.domain, b.prov, b.county = domain, prov, county
	return b
}

// ministries are the 19 ministries with their affiliated bodies.
var ministries = []body{
	ministry("MIN-EDU", "medu", "medu.gov.ir", "آموزش و پرورش", "Education",
		provOffice("اداره کل آموزش و پرورش", "Directorate-General of Education"),
		countyOffice("اداره آموزش و پرورش", "Education Department"),
		org("ORG-OERP", "oerp", "سازمان پژوهش و برنامه\u200cریزی آموزشی", "Organisation for Educational Research and Planning"),
		org("ORG-DRSC", "nosazi", "سازمان نوسازی، توسعه و تجهیز مدارس کشور", "State Organisation of School Renovation, Development and Equipment"),
		university("UNI-CFU", "cfu", "cfu.ac.ir", "دانشگاه فرهنگیان", "Farhangian University")),
	ministry("MIN-ICT", "ict", "ict.gov.ir", "ارتباطات و فناوری اطلاعات", "Information and Communications Technology",
		provOffice("اداره کل ارتباطات و فناوری اطلاعات", "Directorate-General of ICT"),
		countyOffice("اداره ارتباطات و فناوری اطلاعات", "ICT Department"),
		org("ORG-ITO", "ito", "سازمان فناوری اطلاعات ایران", "Information Technology Organisation of Iran"),
		org("ORG-CRA", "cra", "سازمان تنظیم مقررات و ارتباطات رادیویی", "Communications Regulatory Authority"),
		withUnits(company("CO-POST", "post", "post.ir", "شرکت ملی پست", "Iran Post Company"), "post.ir",
			provOffice("اداره کل پست", "Post Directorate-General"), countyOffice("اداره پست", "Post Office")),
		company("CO-TIC", "tic", "tic.ir", "شرکت ارتباطات زیرساخت", "Telecommunication Infrastructure Company")),
	ministry("MIN-INTEL", "vaja", "vaja.ir", "اطلاعات", "Intelligence",
		provOffice("اداره کل اطلاعات", "Directorate-General of Intelligence"),
		countyOffice("اداره اطلاعات", "Intelligence Department")),
	ministry("MIN-ECON", "mefa", "mefa.gov.ir", "امور اقتصادی و دارایی", "Economic Affairs and Finance",
		provOrg("سازمان امور اقتصادی و دارایی", "Organisation of Economic Affairs and Finance"),
		countyOffice("اداره امور اقتصادی و دارایی", "Economic Affairs and Finance Department"),
		withUnits(org("ORG-INTA", "tax", "سازمان امور مالیاتی کشور", "Iranian National Tax Administration"), "intamedia.ir",
			provOffice("اداره کل امور مالیاتی", "Tax Directorate-General"), nil),
		org("ORG-IRICA", "irica", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration"),
		org("ORG-SEO", "seo", "سازمان بورس و اوراق بهادار", "Securities and Exchange Organisation"),
		company("BANK-MELLI", "bmi", "bmi.ir", "بانک ملی ایران", "Bank Melli Iran"),
		company("BANK-SEPAH", "banksepah", "banksepah.ir", "بانک سپه", "Bank Sepah"),
		company("BANK-AGRI", "bki", "bki.ir", "بانک کشاورزی", "Bank Keshavarzi"),
		company("BANK-MASKAN", "bankmaskan", "bank-maskan.ir", "بانک مسکن", "Bank Maskan")),
	ministry("MIN-MFA", "mfa", "mfa.gov.ir", "امور خارجه", "Foreign Affairs",
		&unit{fa: "دفتر نمایندگی وزارت امور خارجه در استان {p}", en: "Office of the Ministry of Foreign Affairs in {P} Province", kind: registry.KindProvincial, head: posDG},
		nil,
		org("ORG-IPIS", "ipis", "دفتر مطالعات سیاسی و بین\u200cالمللی", "Institute for Political and International Studies")),
	ministry("MIN-HEALTH", "behdasht", "behdasht.gov.ir", "بهداشت، درمان و آموزش پزشکی", "Health and Medical Education",
		&unit{fa: "دانشگاه علوم پزشکی {k}", en: "{K} University of Medical Sciences", kind: registry.KindUniversity, head: posUniHead},
		&unit{fa: "شبکه بهداشت و درمان شهرستان {c}", en: "Health Network of {C} County", kind: registry.KindCounty, head: posDeptHead},
		org("ORG-IFDA", "fda", "سازمان غذا و دارو", "Food and Drug Administration"),
		org("ORG-IBTO", "ibto", "سازمان انتقال خون ایران", "Iranian Blood Transfusion Organisation"),
		university("UNI-TUMS", "tums", "tums.ac.ir", "دانشگاه علوم پزشکی تهران", "Tehran University of Medical Sciences")),
	ministry("MIN-LABOUR", "mcls", "mcls.gov.ir", "تعاون، کار و رفاه اجتماعی", "Cooperatives, Labour and Social Welfare",
		provOffice("اداره کل تعاون، کار و رفاه اجتماعی", "Directorate-General of Cooperatives, Labour and Social Welfare"),
		countyOffice("اداره تعاون، کار و رفاه اجتماعی", "Cooperatives, Labour and Social Welfare Department"),
		withUnits(org("ORG-SSO", "tamin", "سازمان تأمین اجتماعی", "Social Security Organisation"), "tamin.ir",
			provOffice("اداره کل تأمین اجتماعی", "Social Security Directorate-General"),
			&unit{fa: "شعبه تأمین اجتماعی {c}", en: "Social Security Branch of {C}", kind: registry.KindCounty, head: posDeptHead}),
		withUnits(org("ORG-BEHZISTI", "behzisti", "سازمان بهزیستی کشور", "State Welfare Organisation"), "behzisti.ir",
			provOffice("اداره کل بهزیستی", "Welfare Directorate-General"), countyOffice("اداره بهزیستی", "Welfare Department")),
		org("ORG-TVTO", "irantvto", "سازمان آموزش فنی و حرفه\u200cای کشور", "Technical and Vocational Training Organisation")),
	ministry("MIN-AGRI", "maj", "maj.ir", "جهاد کشاورزی", "Agriculture Jihad",
		provOrg("سازمان جهاد کشاورزی", "Agriculture Jihad Organisation"),
		&unit{fa: "مدیریت جهاد کشاورزی شهرستان {c}", en: "Agriculture Jihad Management of {C} County", kind: registry.KindCounty, head: posDeptHead},
		org("ORG-IVO", "ivo", "سازمان دامپزشکی کشور", "Iran Veterinary Organisation"),
		org("ORG-FRWO", "frw", "سازمان منابع طبیعی و آبخیزداری کشور", "Forests, Range and Watershed Management Organisation"),
		org("ORG-AREEO", "areeo", "سازمان تحقیقات، آموزش و ترویج کشاورزی", "Agricultural Research, Education and Extension Organisation")),
	ministry("MIN-JUSTICE", "justice", "justice.gov.ir", "دادگستری", "Justice", nil, nil,
		withUnits(org("ORG-TAZIRAT", "tazirat", "سازمان تعزیرات حکومتی", "Government Discretionary Punishments Organisation"), "tazirat.gov.ir",
			provOffice("اداره کل تعزیرات حکومتی", "Discretionary Punishments Directorate-General"),
			countyOffice("اداره تعزیرات حکومتی", "Discretionary Punishments Department"))),
	ministry("MIN-DEFENCE", "mod", "mod.ir", "دفاع و پشتیبانی نیروهای مسلح", "Defence and Armed Forces Logistics", nil, nil,
		org("ORG-DIO", "dio", "سازمان صنایع دفاع", "Defence Industries Organisation"),
		org("ORG-AIO", "aio", "سازمان صنایع هوایی", "Aviation Industries Organisation")),
	ministry("MIN-ROADS", "mrud", "mrud.ir", "راه و شهرسازی", "Roads and Urban Development",
		provOffice("اداره کل راه و شهرسازی", "Directorate-General of Roads and Urban Development"),
		countyOffice("اداره راه و شهرسازی", "Roads and Urban Development Department"),
		withUnits(org("ORG-IRIMO", "irimo", "سازمان هواشناسی کشور", "Iran Meteorological Organisation"), "irimo.ir",
			provOffice("اداره کل هواشناسی", "Meteorology Directorate-General"), countyOffice("اداره هواشناسی", "Meteorology Department")),
		org("ORG-RMTO", "rmto", "سازمان راهداری و حمل و نقل جاده\u200cای", "Road Maintenance and Transportation Organisation"),
		org("ORG-CAO", "cao", "سازمان هواپیمایی کشوری", "Civil Aviation Organisation"),
		org("ORG-PMO", "pmo", "سازمان بنادر و دریانوردی", "Ports and Maritime Organisation"),
		company("CO-RAI", "rai", "rai.ir", "شرکت راه\u200cآهن جمهوری اسلامی ایران", "Islamic Republic of Iran Railways")),
	ministry("MIN-SMT", "mimt", "mimt.gov.ir", "صنعت، معدن و تجارت", "Industry, Mine and Trade",
		provOrg("سازمان صنعت، معدن و تجارت", "Organisation of Industry, Mine and Trade"),
		countyOffice("اداره صنعت، معدن و تجارت", "Industry, Mine and Trade Department"),
		org("ORG-TPO", "tpo", "سازمان توسعه تجارت ایران", "Trade Promotion Organisation of Iran"),
		org("ORG-ISIPO", "isipo", "سازمان صنایع کوچک و شهرک\u200cهای صنعتی ایران", "Iran Small Industries and Industrial Parks Organisation"),
		org("ORG-CPPO", "cppo", "سازمان حمایت مصرف\u200cکنندگان و تولیدکنندگان", "Consumers and Producers Protection Organisation")),
	ministry("MIN-SCIENCE", "msrt", "msrt.ir", "علوم، تحقیقات و فناوری", "Science, Research and Technology", nil, nil,
		org("ORG-SANJESH", "sanjesh", "سازمان سنجش آموزش کشور", "Education Evaluation Organisation"),
		org("ORG-SAORG", "saorg", "سازمان امور دانشجویان", "Student Affairs Organisation"),
		withUnits(university("UNI-PNU", "pnu", "pnu.ac.ir", "دانشگاه پیام نور", "Payame Noor University"), "pnu.ac.ir",
			&unit{fa: "دانشگاه پیام نور استان {p}", en: "Payame Noor University of {P} Province", kind: registry.KindUniversity, head: posUniHead}, nil),
		university("UNI-UT", "ut", "ut.ac.ir", "دانشگاه تهران", "University of Tehran"),
		university("UNI-SHARIF", "sharif", "sharif.edu", "دانشگاه صنعتی شریف", "Sharif University of Technology"),
		university("UNI-SHIRAZ", "shirazu", "shirazu.ac.ir", "دانشگاه شیراز", "Shiraz University"),
		university("UNI-FUM", "fum", "um.ac.ir", "دانشگاه فردوسی مشهد", "Ferdowsi University of Mashhad"),
		university("UNI-TABRIZ", "tabrizu", "tabrizu.ac.ir", "دانشگاه تبریز", "University of Tabriz")),
	ministry("MIN-ERSHAD", "farhang", "farhang.gov.ir", "فرهنگ و ارشاد اسلامی", "Culture and Islamic Guidance",
		provOffice("اداره کل فرهنگ و ارشاد اسلامی", "Directorate-General of Culture and Islamic Guidance"),
		countyOffice("اداره فرهنگ و ارشاد اسلامی", "Culture and Islamic Guidance Department"),
		org("ORG-CINEMA", "cinema", "سازمان سینمایی", "Cinema Organisation"),
		org("ORG-ICRO", "icro", "سازمان فرهنگ و ارتباطات اسلامی", "Islamic Culture and Relations Organisation")),
	ministry("MIN-INTERIOR", "moi", "moi.ir", "کشور", "Interior", nil, nil,
		org("ORG-IMO", "imo", "سازمان شهرداری\u200cها و دهیاری\u200cهای کشور", "Municipalities and Village Administrations Organisation"),
		withUnits(org("ORG-NOCR", "sabteahval", "سازمان ثبت احوال کشور", "National Organisation for Civil Registration"), "sabteahval.ir",
			provOffice("اداره کل ثبت احوال", "Civil Registration Directorate-General"), countyOffice("اداره ثبت احوال", "Civil Registration Department")),
		org("ORG-NDMO", "ndmo", "سازمان مدیریت بحران کشور", "National Disaster Management Organisation")),
	ministry("MIN-HERITAGE", "mcth", "mcth.ir", "میراث فرهنگی، گردشگری و صنایع دستی", "Cultural Heritage, Tourism and Handicrafts",
		provOffice("اداره کل میراث فرهنگی، گردشگری و صنایع دستی", "Directorate-General of Cultural Heritage, Tourism and Handicrafts"),
		countyOffice("اداره میراث فرهنگی، گردشگری و صنایع دستی", "Cultural Heritage, Tourism and Handicrafts Department"),
		org("ORG-RICHT", "richt", "پژوهشگاه میراث فرهنگی و گردشگری", "Research Institute of Cultural Heritage and Tourism")),
	ministry("MIN-OIL", "mop", "mop.ir", "نفت", "Petroleum", nil, nil,
		company("CO-NIOC", "nioc", "nioc.ir", "شرکت ملی نفت ایران", "National Iranian Oil Company"),
		withUnits(company("CO-NIGC", "nigc", "nigc.ir", "شرکت ملی گاز ایران", "National Iranian Gas Company"), "nigc.ir",
			&unit{fa: "شرکت گاز استان {p}", en: "{P} Province Gas Company", kind: registry.KindCompany, head: posCEO},
			countyOffice("اداره گاز", "Gas Department")),
		company("CO-NPC", "npc", "nipc.ir", "شرکت ملی صنایع پتروشیمی", "National Petrochemical Company"),
		company("CO-NIORDC", "niordc", "niordc.ir", "شرکت ملی پالایش و پخش فرآورده\u200cهای نفتی ایران", "National Iranian Oil Refining and Distribution Company")),
	ministry("MIN-ENERGY", "moe", "moe.gov.ir", "نیرو", "Energy",
		&unit{fa: "شرکت آب و فاضلاب استان {p}", en: "{P} Province Water and Wastewater Company", kind: registry.KindCompany, head: posCEO},
		countyOffice("اداره آب و فاضلاب", "Water and Wastewater Department"),
		withUnits(company("CO-TAVANIR", "tavanir", "tavanir.org.ir", "توانیر", "Tavanir"), "tavanir.org.ir",
			&unit{fa: "شرکت توزیع نیروی برق استان {p}", en: "{P} Province Electricity Distribution Company", kind: registry.KindCompany, head: posCEO},
			countyOffice("اداره برق", "Electricity Department")),
		company("CO-WRM", "wrm", "wrm.ir", "شرکت مدیریت منابع آب ایران", "Iran Water Resources Management Company"),
		org("ORG-SATBA", "satba", "سازمان انرژی\u200cهای تجدیدپذیر و بهره\u200cوری انرژی برق", "Renewable Energy and Energy Efficiency Organisation")),
	ministry("MIN-SPORT", "msy", "msy.gov.ir", "ورزش و جوانان", "Sport and Youth",
		provOffice("اداره کل ورزش و جوانان", "Directorate-General of Sport and Youth"),
		countyOffice("اداره ورزش و جوانان", "Sport and Youth Department"),
		org("ORG-CVSF", "ghahremanan", "صندوق حمایت از قهرمانان و پیشکسوتان ورزش", "Champions and Veterans Support Fund")),
}

// nationalBodies stand outside the ministries, answering to the President.
var nationalBodies = []body{
	withUnits(body{code: "ORG-PBO", slug: "mporg", fa: "سازمان برنامه و بودجه کشور", en: "Plan and Budget Organisation",
		kind: registry.KindOrganisation, head: posVP}, "mporg.ir",
		provOrg("سازمان مدیریت و برنامه\u200cریزی", "Management and Planning Organisation"), nil),
	withUnits(body{code: "ORG-DOE", slug: "doe", fa: "سازمان حفاظت محیط زیست", en: "Department of Environment",
		kind: registry.KindOrganisation, head: posVP}, "doe.ir",
		provOffice("اداره کل حفاظت محیط زیست", "Environment Directorate-General"), countyOffice("اداره حفاظت محیط زیست", "Environment Department")),
	{code: "BANK-CBI", slug: "cbi", domain: "cbi.ir", fa: "بانک مرکزی جمهوری اسلامی ایران", en: "Central Bank of the Islamic Republic of Iran",
		kind: registry.KindCompany, head: posBankHead},
}

// section is a part of a ministry's headquarters: a deputyship, a
// directorate-general or a department, with the Latin slug of its handles.
type section struct {
	fa, en, slug, head string
	children           []section
}

func dept(fa, en, slug string) section { return section{fa: fa, en: en, slug: slug, head: posDeptHead} }

func directorate(fa, en, slug string, kids ...section) section {
	return section{fa: fa, en: en, slug: slug, head: posDG, children: kids}
}

// headquarters is the structure every ministry's headquarters shares.
var headquarters = []section{
	{fa: "مرکز روابط عمومی و اطلاع\u200cرسانی", en: "Centre for Public Relations and Information", slug: "pr", head: posPR, children: []section{
		directorate("اداره کل ارتباطات رسانه\u200cای", "Directorate-General of Media Relations", "media",
			dept("اداره خبر", "News Department", "news"), dept("اداره رسانه\u200cهای دیجیتال", "Digital Media Department", "digital")),
		directorate("اداره کل اطلاع\u200cرسانی و فضای مجازی", "Directorate-General of Information and Cyberspace", "info",
			dept("اداره فضای مجازی", "Cyberspace Department", "cyber"), dept("اداره تولید محتوا", "Content Department", "content")),
	}},
	{fa: "معاونت توسعه مدیریت و منابع", en: "Deputy for Management Development and Resources", slug: "resources", head: posDeputy, children: []section{
		directorate("اداره کل منابع انسانی", "Directorate-General of Human Resources", "hr",
			dept("اداره کارگزینی", "Personnel Department", "personnel"), dept("اداره آموزش کارکنان", "Staff Training Department", "training"),
			dept("اداره طبقه\u200cبندی مشاغل", "Job Classification Department", "jobs")),
		directorate("اداره کل امور مالی", "Directorate-General of Financial Affairs", "finance",
			dept("اداره حسابداری", "Accounting Department", "accounting"), dept("اداره خزانه\u200cداری", "Treasury Department", "treasury"),
			dept("اداره اموال", "Assets Department", "assets")),
		directorate("اداره کل فناوری اطلاعات", "Directorate-General of Information Technology", "it",
			dept("اداره شبکه و زیرساخت", "Network and Infrastructure Department", "network"), dept("اداره سامانه\u200cها", "Systems Department", "systems"),
			dept("اداره امنیت اطلاعات", "Information Security Department", "infosec")),
		directorate("اداره کل پشتیبانی و رفاه", "Directorate-General of Support and Welfare", "support",
			dept("اداره رفاه کارکنان", "Staff Welfare Department", "welfare"), dept("اداره تدارکات", "Procurement Department", "procurement")),
	}},
	{fa: "معاونت حقوقی و امور مجلس", en: "Deputy for Legal and Parliamentary Affairs", slug: "legal", head: posDeputy, children: []section{
		directorate("اداره کل حقوقی", "Directorate-General of Legal Affairs", "law",
			dept("اداره دعاوی", "Litigation Department", "claims"), dept("اداره قراردادها", "Contracts Department", "contracts")),
		directorate("اداره کل امور مجلس", "Directorate-General of Parliamentary Affairs", "majles",
			dept("اداره پیگیری مصوبات", "Resolutions Follow-up Department", "resolutions"), dept("اداره ارتباط با نمایندگان", "MPs Liaison Department", "mps")),
		directorate("اداره کل بازرسی و پاسخگویی به شکایات", "Directorate-General of Inspection and Complaints", "inspection",
			dept("اداره رسیدگی به شکایات", "Complaints Department", "complaints"), dept("اداره بازرسی", "Inspection Department", "audit")),
	}},
	{fa: "معاونت برنامه\u200cریزی و نظارت راهبردی", en: "Deputy for Planning and Strategic Supervision", slug: "planning", head: posDeputy, children: []section{
		directorate("اداره کل برنامه و بودجه", "Directorate-General of Plan and Budget", "budget",
			dept("اداره بودجه", "Budget Department", "budgeting"), dept("اداره طرح\u200cهای عمرانی", "Development Projects Department", "projects")),
		directorate("اداره کل آمار و اطلاعات", "Directorate-General of Statistics", "stats",
			dept("اداره آمار", "Statistics Department", "statistics"), dept("اداره مطالعات", "Studies Department", "studies")),
		directorate("اداره کل نظارت و ارزیابی عملکرد", "Directorate-General of Performance Monitoring", "monitoring",
			dept("اداره ارزیابی عملکرد", "Performance Evaluation Department", "evaluation"), dept("اداره بهبود روش\u200cها", "Methods Department", "methods")),
	}},
	{fa: "حوزه وزارتی", en: "Minister's Office", slug: "office", head: posDG},
}

// Deputyships of a governorate-general and of a provincial unit.
var (
	governorateDeputies = []section{
		{fa: "معاونت سیاسی، امنیتی و اجتماعی", en: "Deputy for Political, Security and Social Affairs", slug: "siasi", head: posDeputyGov},
		{fa: "معاونت هماهنگی امور عمرانی", en: "Deputy for Development Affairs", slug: "omrani", head: posDeputyGov},
		{fa: "معاونت برنامه\u200cریزی و توسعه", en: "Deputy for Planning and Development", slug: "tosee", head: posDeputyGov},
	}
	provincialDeputies = []section{
		{fa: "معاونت توسعه مدیریت و پشتیبانی", en: "Deputy for Management Development and Support", slug: "poshtibani", head: posDeputyDG},
		{fa: "معاونت برنامه\u200cریزی و امور فنی", en: "Deputy for Planning and Technical Affairs", slug: "fani", head: posDeputyDG},
		{fa: "روابط عمومی", en: "Public Relations", slug: "pr", head: posDeptHead},
	}
)

// place is a province or county in Persian and English, with the slug its
// handles use.
type place struct{ fa, en, slug string }

// province is one of the 31 provinces; counties[0] holds the capital.
type province struct {
	place
	capital  place // the capital city
	counties []place
}

// provinceList holds "fa|en|capital fa|capital en|county fa:en,…".
var provinceList = []string{
	"آذربایجان شرقی|East Azerbaijan|تبریز|Tabriz|تبریز:Tabriz,مراغه:Maragheh,مرند:Marand,میانه:Mianeh,اهر:Ahar,بناب:Bonab,سراب:Sarab,شبستر:Shabestar,هشترود:Hashtrud,اسکو:Osku",
	"آذربایجان غربی|West Azerbaijan|ارومیه|Urmia|ارومیه:Urmia,خوی:Khoy,مهاباد:Mahabad,میاندوآب:Miandoab,بوکان:Bukan,سلماس:Salmas,نقده:Naqadeh,پیرانشهر:Piranshahr,ماکو:Maku,تکاب:Takab",
	"اردبیل|Ardabil|اردبیل|Ardabil|اردبیل:Ardabil,مشگین\u200cشهر:Meshginshahr,پارس\u200cآباد:Parsabad,خلخال:Khalkhal,گرمی:Germi,بیله\u200cسوار:Bileh Savar,نمین:Namin,نیر:Nir",
	"اصفهان|Isfahan|اصفهان|Isfahan|اصفهان:Isfahan,کاشان:Kashan,خمینی\u200cشهر:Khomeyni Shahr,نجف\u200cآباد:Najafabad,شاهین\u200cشهر و میمه:Shahin Shahr and Meymeh,شهرضا:Shahreza,لنجان:Lenjan,مبارکه:Mobarakeh,گلپایگان:Golpayegan,نطنز:Natanz,اردستان:Ardestan,فلاورجان:Falavarjan",
	"البرز|Alborz|کرج|Karaj|کرج:Karaj,فردیس:Fardis,نظرآباد:Nazarabad,ساوجبلاغ:Savojbolagh,اشتهارد:Eshtehard,طالقان:Taleqan",
	"ایلام|Ilam|ایلام|Ilam|ایلام:Ilam,دهلران:Dehloran,مهران:Mehran,دره\u200cشهر:Darreh Shahr,آبدانان:Abdanan,ایوان:Eyvan,چرداول:Chardavol",
	"بوشهر|Bushehr|بوشهر|Bushehr|بوشهر:Bushehr,دشتستان:Dashtestan,گناوه:Genaveh,کنگان:Kangan,دیر:Dayyer,تنگستان:Tangestan,دشتی:Dashti,جم:Jam",
	"تهران|Tehran|تهران|Tehran|تهران:Tehran,ری:Rey,شمیرانات:Shemiranat,اسلامشهر:Eslamshahr,شهریار:Shahriar,ورامین:Varamin,پاکدشت:Pakdasht,دماوند:Damavand,فیروزکوه:Firuzkuh,رباط\u200cکریم:Robat Karim,ملارد:Malard,قدس:Qods,پردیس:Pardis",
	"چهارمحال و بختیاری|Chaharmahal and Bakhtiari|شهرکرد|Shahrekord|شهرکرد:Shahrekord,بروجن:Borujen,فارسان:Farsan,لردگان:Lordegan,اردل:Ardal,کوهرنگ:Kuhrang,سامان:Saman,کیار:Kiar",
	"خراسان جنوبی|South Khorasan|بیرجند|Birjand|بیرجند:Birjand,قائنات:Qaenat,فردوس:Ferdows,طبس:Tabas,نهبندان:Nehbandan,سربیشه:Sarbisheh,درمیان:Darmian",
	"خراسان رضوی|Razavi Khorasan|مشهد|Mashhad|مشهد:Mashhad,نیشابور:Neyshabur,سبزوار:Sabzevar,تربت حیدریه:Torbat-e Heydarieh,قوچان:Quchan,کاشمر:Kashmar,تربت جام:Torbat-e Jam,گناباد:Gonabad,چناران:Chenaran,سرخس:Sarakhs,تایباد:Taybad",
	"خراسان شمالی|North Khorasan|بجنورد|Bojnurd|بجنورد:Bojnurd,شیروان:Shirvan,اسفراین:Esfarayen,جاجرم:Jajarm,مانه و سملقان:Maneh and Samalqan,فاروج:Faruj",
	"خوزستان|Khuzestan|اهواز|Ahvaz|اهواز:Ahvaz,آبادان:Abadan,خرمشهر:Khorramshahr,دزفول:Dezful,شوشتر:Shushtar,بهبهان:Behbahan,ماهشهر:Mahshahr,اندیمشک:Andimeshk,ایذه:Izeh,مسجدسلیمان:Masjed Soleyman,شوش:Shush,رامهرمز:Ramhormoz",
	"زنجان|Zanjan|زنجان|Zanjan|زنجان:Zanjan,ابهر:Abhar,خدابنده:Khodabandeh,خرمدره:Khorramdarreh,طارم:Tarom,ماهنشان:Mahneshan,ایجرود:Ijrud",
	"سمنان|Semnan|سمنان|Semnan|سمنان:Semnan,شاهرود:Shahrud,دامغان:Damghan,گرمسار:Garmsar,مهدی\u200cشهر:Mahdishahr,آرادان:Aradan",
	"سیستان و بلوچستان|Sistan and Baluchestan|زاهدان|Zahedan|زاهدان:Zahedan,زابل:Zabol,چابهار:Chabahar,ایرانشهر:Iranshahr,سراوان:Saravan,خاش:Khash,نیکشهر:Nikshahr,کنارک:Konarak",
	"فارس|Fars|شیراز|Shiraz|شیراز:Shiraz,مرودشت:Marvdasht,کازرون:Kazerun,جهرم:Jahrom,فسا:Fasa,داراب:Darab,لارستان:Larestan,آباده:Abadeh,فیروزآباد:Firuzabad,نی\u200cریز:Neyriz,اقلید:Eqlid,لامرد:Lamerd",
	"قزوین|Qazvin|قزوین|Qazvin|قزوین:Qazvin,تاکستان:Takestan,البرز:Alborz,بوئین\u200cزهرا:Buin Zahra,آبیک:Abyek,آوج:Avaj",
	"قم|Qom|قم|Qom|قم:Qom",
	"کردستان|Kurdistan|سنندج|Sanandaj|سنندج:Sanandaj,سقز:Saqqez,مریوان:Marivan,بانه:Baneh,قروه:Qorveh,بیجار:Bijar,کامیاران:Kamyaran,دیواندره:Divandarreh",
	"کرمان|Kerman|کرمان|Kerman|کرمان:Kerman,رفسنجان:Rafsanjan,سیرجان:Sirjan,بم:Bam,جیرفت:Jiroft,زرند:Zarand,شهربابک:Shahr-e Babak,بافت:Baft,کهنوج:Kahnuj,راور:Ravar",
	"کرمانشاه|Kermanshah|کرمانشاه|Kermanshah|کرمانشاه:Kermanshah,اسلام\u200cآباد غرب:Eslamabad-e Gharb,کنگاور:Kangavar,هرسین:Harsin,سنقر:Sonqor,صحنه:Sahneh,پاوه:Paveh,سرپل ذهاب:Sarpol-e Zahab,قصرشیرین:Qasr-e Shirin,جوانرود:Javanrud",
	"کهگیلویه و بویراحمد|Kohgiluyeh and Boyer-Ahmad|یاسوج|Yasuj|بویراحمد:Boyer-Ahmad,کهگیلویه:Kohgiluyeh,گچساران:Gachsaran,دنا:Dena,بهمئی:Bahmai,چرام:Charam",
	"گلستان|Golestan|گرگان|Gorgan|گرگان:Gorgan,گنبد کاووس:Gonbad-e Kavus,علی\u200cآباد کتول:Aliabad-e Katul,آق\u200cقلا:Aq Qala,کردکوی:Kordkuy,ترکمن:Torkaman,آزادشهر:Azadshahr,مینودشت:Minudasht,کلاله:Kalaleh",
	"گیلان|Gilan|رشت|Rasht|رشت:Rasht,بندر انزلی:Bandar Anzali,لاهیجان:Lahijan,لنگرود:Langarud,آستارا:Astara,تالش:Talesh,رودسر:Rudsar,صومعه\u200cسرا:Sowmeh Sara,فومن:Fuman,آستانه اشرفیه:Astaneh-ye Ashrafiyeh",
	"لرستان|Lorestan|خرم\u200cآباد|Khorramabad|خرم\u200cآباد:Khorramabad,بروجرد:Borujerd,دورود:Dorud,الیگودرز:Aligudarz,کوهدشت:Kuhdasht,ازنا:Azna,پلدختر:Poldokhtar,دلفان:Delfan,سلسله:Selseleh",
	"مازندران|Mazandaran|ساری|Sari|ساری:Sari,بابل:Babol,آمل:Amol,قائم\u200cشهر:Qaemshahr,بابلسر:Babolsar,نوشهر:Nowshahr,چالوس:Chalus,تنکابن:Tonekabon,بهشهر:Behshahr,رامسر:Ramsar,نکا:Neka",
	"مرکزی|Markazi|اراک|Arak|اراک:Arak,ساوه:Saveh,خمین:Khomein,محلات:Mahallat,دلیجان:Delijan,شازند:Shazand,تفرش:Tafresh,آشتیان:Ashtian",
	"هرمزگان|Hormozgan|بندرعباس|Bandar Abbas|بندرعباس:Bandar Abbas,میناب:Minab,قشم:Qeshm,بندر لنگه:Bandar Lengeh,رودان:Rudan,جاسک:Jask,حاجی\u200cآباد:Hajiabad,بستک:Bastak",
	"همدان|Hamadan|همدان|Hamadan|همدان:Hamadan,ملایر:Malayer,نهاوند:Nahavand,تویسرکان:Tuyserkan,اسدآباد:Asadabad,کبودرآهنگ:Kabudarahang,رزن:Razan,بهار:Bahar",
	"یزد|Yazd|یزد|Yazd|یزد:Yazd,میبد:Meybod,اردکان:Ardakan,تفت:Taft,ابرکوه:Abarkuh,مهریز:Mehriz,بافق:Bafq,اشکذر:Ashkezar",
}

// provinces is provinceList parsed.
var provinces = parseProvinces(provinceList)

func parseProvinces(rows []string) []province {
	out := make([]province, 0, len(rows))
	for _, row := range rows {
		f := strings.Split(row, "|")
		p := province{place: newPlace(f[0], f[1]), capital: newPlace(f[2], f[3])}
		for _, c := range strings.Split(f[4], ",") {
			fa, en, _ := strings.Cut(c, ":")
			p.counties = append(p.counties, newPlace(fa, en))
		}
		out = append(out, p)
	}
	return out
}

func newPlace(fa, en string) place { return place{fa: fa, en: en, slug: latinSlug(en)} }

// latinSlug keeps the ASCII letters and digits of s, lower-cased.
func latinSlug(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// name is a given or family name with its Latin form. A '|' marks where a
// compound name may be split by a space or ZWNJ; joint is how it is
// usually written there ("" or ZWNJ).
type name struct {
	fa, en string
	joint  string
}

func names(list string) []name {
	var out []name
	for _, item := range strings.Split(list, ",") {
		fa, en, _ := strings.Cut(item, ":")
		n := name{fa: fa, en: en}
		if strings.Contains(fa, "+") { // '+' marks a ZWNJ that belongs there
			n.fa, n.joint = strings.Replace(fa, "+", "|", 1), "\u200c"
		}
		out = append(out, n)
	}
	return out
}

var (
	maleNames = names("محمد:mohammad,علی:ali,حسین:hossein,مهدی:mahdi,رضا:reza,محمد|رضا:mohammadreza,علی|رضا:alireza," +
		"امیر|حسین:amirhossein,ابو|الفضل:abolfazl,محمد|حسین:mohammadhossein,عباس:abbas,احسان:ehsan,سجاد:sajjad,یوسف:yousef," +
		"حسام:hesam,سینا:sina,نیما:nima,آرش:arash,امیر|رضا:amirreza,محمد|جواد:mohammadjavad")
	femaleNames = names("فاطمه:fatemeh,زهرا:zahra,مریم:maryam,معصومه:masoumeh,زینب:zeynab,سارا:sara,ریحانه:reyhaneh,نرگس:narges," +
		"مهسا:mahsa,الناز:elnaz,هانیه:hanieh,محدثه:mohaddeseh,مائده:maedeh,یاسمین:yasamin,آیدا:aida,سوگند:sogand,مهدیه:mahdieh," +
		"نازنین:nazanin,حدیث:hadis,پریا:pariya")
	// The first ten are the ten most common family names, in order.
	familyNames = names("محمدی:mohammadi,حسینی:hosseini,احمدی:ahmadi,رضایی:rezaei,مرادی:moradi,حیدری:heydari,کریمی:karimi," +
		"موسوی:mousavi,جعفری:jafari,قاسمی:ghasemi,حمیدی:hamidi,اشرفی:ashrafi,بهرامی:bahrami,جلالی:jalali,منصوری:mansouri," +
		"نوروزی:nowruzi,نوری:nouri,سلطانی:soltani,زمانی:zamani,زارعی:zarei,رستمی:rostami,رسولی:rasouli,رفیعی:rafiei,سعیدی:saeedi," +
		"عباسی:abbasi,تهرانی:tehrani,هاشمی:hashemi,یزدی:yazdi,فرجی:faraji,کمالی:kamali,نعمتی:nemati,عزیزی:azizi,بهمنی:bahmani," +
		"شاکری:shakeri,جهانی:jahani,حسنی:hasani,ملکیان:malekian,علی+پور:alipour,رضا|زاده:rezazadeh,محمد|پور:mohammadpour")
)

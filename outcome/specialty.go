package outcome

import "slices"

// Specialty describes one of the ten specialties the site reports. The list is
// part of the product's contract (DESIGN.md § The ten specialties): ingest
// rejects any other slug, and the site shows the display name and description.
type Specialty struct {
	// Slug is the stable identifier used in the canonical CSV, URLs and the API.
	Slug string
	// Name is the display name.
	Name string
	// Description says in plain words what the specialty covers.
	Description string
	// Outcome is the default outcome when a row does not name one.
	Outcome string
	// Procedures lists the procedure groups the specialty reports. Publishers
	// may use their own procedure labels; these are the demo's and the default.
	// A release need not have them all: pages offer only those it has.
	Procedures []Procedure
}

// Procedure is one procedure group within a specialty.
type Procedure struct {
	Slug string
	Name string
	// Includes says in plain words which operations the group counts, so
	// that a reader of "All adult cardiac surgery" knows what "all" means.
	Includes string
}

// Specialties returns the ten specialties in display order. It returns a new
// slice on each call, so callers may keep or modify it.
func Specialties() []Specialty {
	return []Specialty{
		{
			Slug: "adult-cardiac", Name: "Adult cardiac surgery",
			Description: "Heart operations on adults, such as coronary artery bypass grafts and heart valve repair or replacement.",
			Outcome:     "in-hospital mortality",
			Procedures: []Procedure{
				{"all", "All adult cardiac surgery", "Every adult heart operation in the audit: bypass grafts (CABG) and valve operations, each on their own or together, operations on the aorta, and other heart operations."},
				{"cabg", "Coronary artery bypass graft", "Coronary artery bypass grafts (CABG) on their own, with no other heart operation at the same time."},
				{"valve", "Valve surgery", "Heart valve repairs and replacements on their own, without a bypass graft at the same time."},
			},
		},
		{
			Slug: "vascular", Name: "Vascular surgery",
			Description: "Operations on arteries and veins, such as repair of an abdominal aortic aneurysm (a swelling of the main artery in the belly).",
			Outcome:     "in-hospital mortality",
			Procedures: []Procedure{
				{"aaa", "Elective abdominal aortic aneurysm repair", "Every planned repair of an abdominal aortic aneurysm, open or endovascular (EVAR). Emergency repairs of a burst aneurysm are not included."},
				{"open", "Open AAA repair", "Planned aneurysm repairs through a cut in the belly, replacing the swollen part of the artery with a fabric tube."},
				{"evar", "Endovascular AAA repair (EVAR)", "Planned aneurysm repairs from inside the artery: a lined tube (stent graft) put in through the groin."},
			},
		},
		{
			Slug: "orthopaedic", Name: "Orthopaedic surgery",
			Description: "Planned hip and knee replacement operations.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"hip-knee", "Hip and knee replacement", "Planned hip and knee replacement operations. Operations for a broken hip are not included."}},
		},
		{
			Slug: "colorectal", Name: "Colorectal surgery",
			Description: "Operations on the large bowel (colon) and back passage (rectum), mostly for bowel cancer.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"bowel-cancer", "Bowel cancer resection", "Operations to remove a cancer of the colon or rectum with the part of the bowel it is in."}},
		},
		{
			Slug: "upper-gi", Name: "Upper gastrointestinal surgery",
			Description: "Operations to remove cancer of the food pipe (oesophagus) or stomach.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"oesophago-gastric", "Oesophagectomy and gastrectomy", "Operations to remove cancer of the food pipe (oesophagectomy) or of the stomach (gastrectomy)."}},
		},
		{
			Slug: "bariatric", Name: "Bariatric surgery",
			Description: "Weight-loss operations such as gastric bypass and sleeve gastrectomy.",
			Outcome:     "in-hospital mortality",
			Procedures:  []Procedure{{"all", "All weight-loss surgery", "Every weight-loss operation in the audit, including gastric bypass, sleeve gastrectomy and gastric band operations."}},
		},
		{
			Slug: "head-and-neck", Name: "Head and neck surgery",
			Description: "Operations to remove cancers of the mouth, throat, voice box and neck.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"cancer-resection", "Head and neck cancer resection", "Operations to remove cancers of the mouth, throat, voice box and neck."}},
		},
		{
			Slug: "endocrine", Name: "Endocrine surgery",
			Description: "Operations on the thyroid, parathyroid and adrenal glands.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"thyroid-parathyroid", "Thyroid and parathyroid surgery", "Operations on the thyroid and parathyroid glands in the neck. Adrenal operations are not included."}},
		},
		{
			Slug: "urology", Name: "Urological surgery",
			Description: "Operations on the kidneys, bladder and prostate, such as removal of the prostate or kidney for cancer.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"major-cancer", "Major urological cancer surgery", "Operations to remove the prostate, bladder or kidney for cancer."}},
		},
		{
			Slug: "interventional-cardiology", Name: "Interventional cardiology",
			Description: "Procedures that open narrowed heart arteries through a thin tube (PCI, stents) and replace the aortic valve through a catheter (TAVI).",
			Outcome:     "30-day mortality",
			Procedures: []Procedure{
				{"pci", "Percutaneous coronary intervention", "Procedures to open narrowed heart arteries with a balloon, usually leaving a stent (PCI), planned or emergency."},
				{"tavi", "Transcatheter aortic valve implantation", "Replacing the aortic valve through a thin tube, usually put in at the groin (TAVI), without opening the chest."},
			},
		},
	}
}

// LookupSpecialty returns the specialty with the given slug and whether it
// exists.
func LookupSpecialty(slug string) (Specialty, bool) {
	for _, s := range Specialties() {
		if s.Slug == slug {
			return s, true
		}
	}
	return Specialty{}, false
}

// LookupProcedure returns a specialty's procedure group by slug and whether
// the specialty lists it. Publishers' own procedure labels are not listed.
func LookupProcedure(specialty, procedure string) (Procedure, bool) {
	sp, ok := LookupSpecialty(specialty)
	if !ok {
		return Procedure{}, false
	}
	for _, p := range sp.Procedures {
		if p.Slug == procedure {
			return p, true
		}
	}
	return Procedure{}, false
}

// HeadlineProcedure is the procedure to show or place a unit on when none
// is asked for, among those a release has (have): the only one; else the
// first the specialty lists that it has, which is its total where it has
// one (adult cardiac "all", vascular "aaa"); else "all". It is "" when
// none of these picks one, and the caller must ask.
func HeadlineProcedure(specialty string, have []string) string {
	if len(have) == 1 {
		return have[0]
	}
	if sp, ok := LookupSpecialty(specialty); ok {
		for _, p := range sp.Procedures {
			if slices.Contains(have, p.Slug) {
				return p.Slug
			}
		}
	}
	if slices.Contains(have, "all") {
		return "all"
	}
	return ""
}

// SpecialtyWords maps each specialty's slug to the plain words a patient
// might search with for it ("heart", "hip", "bowel"), singular, lower case
// and unaccented, so search can read "pebbleton heart" as a hospital and a
// specialty. A word may name more than one specialty ("bypass": heart or
// weight-loss surgery). It returns a new map on each call.
func SpecialtyWords() map[string][]string {
	return map[string][]string{
		"adult-cardiac": {"heart", "cardiothoracic", "cardiac", "bypass", "cabg", "valve", "coronary"},
		"vascular":      {"aneurysm", "aaa", "artery", "arteries", "vein", "evar", "vascular"},
		"orthopaedic":   {"hip", "knee", "joint", "orthopaedic", "orthopedic", "bone"},
		"colorectal":    {"bowel", "colon", "rectum", "rectal", "colectomy", "colorectal"},
		"upper-gi":      {"stomach", "oesophagus", "esophagus", "oesophageal", "gullet", "gastric", "gastrectomy", "oesophagectomy"},
		"bariatric":     {"weight", "obesity", "bypass", "gastric", "sleeve", "bariatric"},
		"head-and-neck": {"mouth", "throat", "tongue", "larynx", "voice", "ent", "oral"},
		"endocrine":     {"thyroid", "parathyroid", "adrenal", "gland", "endocrine"},
		"urology":       {"kidney", "bladder", "prostate", "urological", "urologist", "urology"},
		"interventional-cardiology": {"stent", "pci", "angioplasty", "tavi", "tavr", "cardiology", "cardiologist",
			"angiogram"},
	}
}

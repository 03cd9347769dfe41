package outcome

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
	Procedures []Procedure
}

// Procedure is one procedure group within a specialty.
type Procedure struct {
	Slug string
	Name string
}

// Specialties returns the ten specialties in display order. It returns a new
// slice on each call, so callers may keep or modify it.
func Specialties() []Specialty {
	return []Specialty{
		{
			Slug: "adult-cardiac", Name: "Adult cardiac surgery",
			Description: "Heart operations on adults, such as coronary artery bypass grafts and heart valve repair or replacement.",
			Outcome:     "in-hospital mortality",
			Procedures:  []Procedure{{"all", "All adult cardiac surgery"}, {"cabg", "Coronary artery bypass graft"}, {"valve", "Valve surgery"}},
		},
		{
			Slug: "vascular", Name: "Vascular surgery",
			Description: "Operations on arteries and veins, such as repair of an abdominal aortic aneurysm (a swelling of the main artery in the belly).",
			Outcome:     "in-hospital mortality",
			Procedures:  []Procedure{{"aaa", "Elective abdominal aortic aneurysm repair"}, {"open", "Open AAA repair"}, {"evar", "Endovascular AAA repair (EVAR)"}},
		},
		{
			Slug: "orthopaedic", Name: "Orthopaedic surgery",
			Description: "Planned hip and knee replacement operations.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"hip-knee", "Hip and knee replacement"}},
		},
		{
			Slug: "colorectal", Name: "Colorectal surgery",
			Description: "Operations on the large bowel (colon) and back passage (rectum), mostly for bowel cancer.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"bowel-cancer", "Bowel cancer resection"}},
		},
		{
			Slug: "upper-gi", Name: "Upper gastrointestinal surgery",
			Description: "Operations to remove cancer of the food pipe (oesophagus) or stomach.",
			Outcome:     "90-day mortality",
			Procedures:  []Procedure{{"oesophago-gastric", "Oesophagectomy and gastrectomy"}},
		},
		{
			Slug: "bariatric", Name: "Bariatric surgery",
			Description: "Weight-loss operations such as gastric bypass and sleeve gastrectomy.",
			Outcome:     "in-hospital mortality",
			Procedures:  []Procedure{{"all", "All weight-loss surgery"}},
		},
		{
			Slug: "head-and-neck", Name: "Head and neck surgery",
			Description: "Operations to remove cancers of the mouth, throat, voice box and neck.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"cancer-resection", "Head and neck cancer resection"}},
		},
		{
			Slug: "endocrine", Name: "Endocrine surgery",
			Description: "Operations on the thyroid, parathyroid and adrenal glands.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"thyroid-parathyroid", "Thyroid and parathyroid surgery"}},
		},
		{
			Slug: "urology", Name: "Urological surgery",
			Description: "Operations on the kidneys, bladder and prostate, such as removal of the prostate or kidney for cancer.",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"major-cancer", "Major urological cancer surgery"}},
		},
		{
			Slug: "interventional-cardiology", Name: "Interventional cardiology",
			Description: "Procedures that open narrowed heart arteries through a thin tube (PCI, stents) and replace the aortic valve through a catheter (TAVI).",
			Outcome:     "30-day mortality",
			Procedures:  []Procedure{{"pci", "Percutaneous coronary intervention"}, {"tavi", "Transcatheter aortic valve implantation"}},
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

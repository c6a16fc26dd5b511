package patients

import (
	"strings"
	"unicode"

	"chartscan"
)

// NameKey returns the form in which names are compared: upper-case
// letters A–Z only, accents folded ("Muñoz-O'Brien" → "MUNOZOBRIEN").
func NameKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = foldAccent(unicode.ToUpper(r))
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameParts returns the keys of the words of a name part, split at
// spaces, hyphens and dots ("Garcia-Lopez" → GARCIA, LOPEZ).
func nameParts(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '.' || r == ',' }) {
		if k := NameKey(w); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func foldAccent(r rune) rune {
	if f, ok := accents[r]; ok {
		return f
	}
	return r
}

var accents = func() map[rune]rune {
	m := map[rune]rune{}
	plain := []rune("AAAAAAAEEEEIIIIOOOOOOUUUUYNCSZLDTGR")
	for i, r := range []rune("ÀÁÂÃÄÅĀÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝÑÇŠŽŁĐȚĞŘ") {
		m[r] = plain[i]
	}
	return m
}()

// agreement says how well a value on a document fits the index.
type agreement int

const (
	aDiffers agreement = iota - 1 // plainly another value
	aUnknown                      // one side does not have it
	aClose                        // fits allowing for OCR slips, nicknames, order
	aExact                        // the same
)

// compareName tells how a document's name (LAST^FIRST, as read) fits a
// patient of the index: the same, close (an OCR slip, a nickname, an
// initial for the given name, the parts in the other order, a middle name
// or a second family name left out), or plainly another name.
func compareName(docName string, p *chartscan.Patient) agreement {
	fam, giv, _ := strings.Cut(docName, "^")
	df, dg := nameParts(fam), nameParts(giv)
	pf, pg := nameParts(p.FamilyName), nameParts(p.GivenName)
	if len(df) == 0 || len(pf) == 0 {
		return aUnknown
	}
	best := aDiffers
	for _, order := range [][2][]string{{df, dg}, {dg, df}} {
		f := familyFits(order[0], pf)
		g := givenFits(order[1], pg)
		if f == aDiffers || g == aDiffers {
			continue
		}
		a := min(f, g)
		if order[0][0] != df[0] && a == aExact {
			a = aClose // the other order is a near fit, not the same
		}
		best = max(best, a)
	}
	return best
}

// familyFits compares family names: the whole (spaces and hyphens aside)
// or, for a double family name of which a form printed one part, a part.
func familyFits(doc, idx []string) agreement {
	if len(doc) == 0 {
		return aDiffers // the other order left the family name empty
	}
	d, x := strings.Join(doc, ""), strings.Join(idx, "")
	switch {
	case d == x:
		return aExact
	case slip(d, x):
		return aClose
	}
	for _, a := range doc {
		for _, b := range idx {
			if len(a) >= 3 && len(b) >= 3 && (a == b || slip(a, b)) && (len(doc) > 1 || len(idx) > 1) {
				return aClose
			}
		}
	}
	return aDiffers
}

// givenFits compares given names by their first word: the same, a slip,
// a nickname, an initial; or a document's given name that is the index's
// middle name (people known by it).
func givenFits(doc, idx []string) agreement {
	if len(doc) == 0 || len(idx) == 0 {
		return aUnknown
	}
	d, x := doc[0], idx[0]
	switch {
	case d == x:
		return aExact
	case slip(d, x), nicknames(d, x):
		return aClose
	case len(d) == 1 && d[0] == x[0], len(x) == 1 && x[0] == d[0]:
		return aClose
	}
	for _, m := range idx[1:] {
		if len(m) > 1 && (m == d || slip(m, d) || nicknames(m, d)) {
			return aClose
		}
	}
	return aDiffers
}

// slip reports whether two name keys differ by what OCR does to a name:
// letters that look alike, and one other slip in a name of five letters
// or more (two from ten).
func slip(a, b string) bool {
	if a == b {
		return true
	}
	sa, sb := skeleton(a), skeleton(b)
	if sa == sb {
		return true
	}
	n := min(len(a), len(b))
	allowed := 0
	switch {
	case n >= 10:
		allowed = 2
	case n >= 5:
		allowed = 1
	}
	return allowed > 0 && editDistance(sa, sb) <= allowed
}

// skeleton maps letters OCR confuses in printed names to one of them.
func skeleton(s string) string {
	s = strings.NewReplacer("RN", "M", "VV", "W", "CL", "D").Replace(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case 'I', 'L':
			return 'I'
		case 'O', 'Q':
			return 'O'
		}
		return r
	}, s)
}

// editDistance is the Levenshtein distance of two byte strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := 1
			if a[i-1] == b[j-1] {
				sub = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// compareDOB tells how a document's date of birth fits the index's: the
// same; close when one digit was misread or day and month are swapped;
// else another date.
func compareDOB(doc, idx string) agreement {
	if doc == "" || idx == "" {
		return aUnknown
	}
	if doc == idx {
		return aExact
	}
	if len(doc) != 10 || len(idx) != 10 {
		return aDiffers
	}
	diff := 0
	for i := range doc {
		if doc[i] != idx[i] {
			diff++
		}
	}
	if diff == 1 {
		return aClose
	}
	// Day and month swapped (a form printed day first).
	if doc[:4] == idx[:4] && doc[5:7] == idx[8:10] && doc[8:10] == idx[5:7] {
		return aClose
	}
	return aDiffers
}

// nicknames reports whether two given names (keys) are one name: a
// nickname and its formal name, or two spellings of it.
func nicknames(a, b string) bool {
	for _, g := range nicknameGroups[a] {
		for _, h := range nicknameGroups[b] {
			if g == h {
				return true
			}
		}
	}
	return false
}

// nicknameGroups maps a given name to the groups of names it belongs to.
// Each line is a formal name (or its spellings) and its common English
// nicknames; a nickname may belong to several (Al: Albert, Alan, Alfred).
var nicknameGroups = func() map[string][]int {
	lines := []string{
		"WILLIAM BILL BILLY WILL WILLIE WILLY LIAM",
		"ROBERT BOB BOBBY ROB ROBBIE BERT",
		"RICHARD RICK RICKY DICK RICH RICHIE",
		"ELIZABETH ELISABETH LIZ LIZZIE BETH BETTY ELIZA LIBBY BETSY LIZA ELSIE",
		"MARGARET MAGGIE PEGGY MEG MARGE MARGIE GRETA MADGE",
		"KATHERINE CATHERINE KATHRYN KATHARINE CATHRYN KATE KATIE KATHY CATHY KAT KITTY KAY",
		"JAMES JIM JIMMY JAMIE JIMMIE",
		"JOHN JACK JOHNNY JON",
		"JONATHAN JON JONNY",
		"JOSEPH JOE JOEY",
		"THOMAS TOM TOMMY",
		"MICHAEL MIKE MIKEY MICK MICKEY",
		"CHARLES CHARLIE CHUCK CHAS",
		"CHRISTOPHER CHRIS KIT",
		"CHRISTINE CHRISTINA KRISTINE KRISTINA CHRIS TINA CHRISSY",
		"DANIEL DAN DANNY",
		"DAVID DAVE DAVEY",
		"EDWARD ED EDDIE TED NED TEDDY",
		"ANTHONY TONY",
		"ANDREW ANDY DREW",
		"ALEXANDER ALEX AL SANDY XANDER",
		"ALEXANDRA ALEX SANDRA SANDY LEXI",
		"BENJAMIN BEN BENNY",
		"PATRICIA PAT PATTY TRISH TRICIA",
		"PATRICK PAT PADDY",
		"DEBORAH DEBRA DEB DEBBIE",
		"SUSAN SUE SUSIE SUZY",
		"JENNIFER JEN JENNY",
		"JESSICA JESS JESSIE",
		"REBECCA BECKY BECCA",
		"SAMUEL SAM SAMMY",
		"SAMANTHA SAM SAMMY",
		"STEPHEN STEVEN STEVE",
		"TIMOTHY TIM TIMMY",
		"MATTHEW MATT",
		"NICHOLAS NICK NICKY",
		"GREGORY GREG",
		"PETER PETE",
		"RONALD RON RONNIE",
		"DONALD DON DONNIE",
		"KENNETH KEN KENNY",
		"LAWRENCE LAURENCE LARRY",
		"GERALD JERRY GERRY",
		"RAYMOND RAY",
		"FREDERICK FRED FREDDIE",
		"FRANCIS FRANK",
		"FRANKLIN FRANK",
		"FRANCES FRAN FRANNIE",
		"DOROTHY DOT DOTTIE DOLLY",
		"VICTORIA VICKY VICKI TORI",
		"BARBARA BARB BARBIE",
		"THEODORE TED TEDDY THEO",
		"WALTER WALT",
		"HAROLD HARRY HAL",
		"HENRY HANK HARRY",
		"ALBERT AL BERT",
		"ALFRED AL ALF FRED",
		"ALAN ALLAN ALLEN AL",
		"EUGENE GENE",
		"LEONARD LEN LENNY LEO",
		"PHILIP PHILLIP PHIL",
		"DOUGLAS DOUG",
		"JOSHUA JOSH",
		"ZACHARY ZACH ZACK",
		"NATHANIEL NATHAN NATE NAT",
		"ABIGAIL ABBY",
		"CYNTHIA CINDY",
		"PAMELA PAM",
		"JUDITH JUDY",
		"VIRGINIA GINNY",
		"TERESA THERESA TERRY TESS",
		"MARY MOLLY POLLY MAE MAMIE",
		"ANN ANNE ANNA ANNIE NAN NANCY",
		"SARAH SARA SALLY SADIE",
		"HELEN NELL NELLIE",
		"ELEANOR ELLIE NORA",
		"JOSEPHINE JO JOSIE",
		"KIMBERLY KIM",
		"ANGELA ANGIE",
		"JACQUELINE JACKIE",
		"CAROLINE CAROLYN CAROL CARRIE",
		"GEOFFREY JEFFREY JEFF GEOFF",
		"MATTHIAS MATT",
		"VINCENT VINCE VINNY",
		"RUSSELL RUSS",
		"RANDOLPH RANDALL RANDY",
		"SHIRLEY SHIRL",
		"ALICE ALLIE",
		"CONSTANCE CONNIE",
		"LOUIS LOUIE LOU",
		"LOUISE LOU",
		"SUZANNE SUSANNE SUE SUZY",
		"MARTIN MARTY",
		"MITCHELL MITCH",
		"OLIVIA LIV OLLIE",
		"OLIVER OLLIE",
		"GABRIEL GABE",
		"GABRIELLE GABBY",
		"ISABEL ISABELLA ISABELLE IZZY BELLA",
		"EMILY EM EMMY",
		"EMMA EM",
		"MADELINE MADELYN MADDIE MADDY",
		"NICOLE NIKKI",
		"PENELOPE PENNY",
		"VALERIE VAL",
		"ROSEMARY ROSE ROSIE",
	}
	m := map[string][]int{}
	for i, l := range lines {
		for _, w := range strings.Fields(l) {
			m[w] = append(m[w], i)
		}
	}
	return m
}()

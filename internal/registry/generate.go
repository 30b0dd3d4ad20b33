package registry

import (
	"iter"
	"math/bits"
	"strconv"
	"time"
)

// Household is what the generator makes in one step: people living at one
// address (a single adult, a couple, parents and children), with the
// businesses they direct and the vehicles they own. Family links inside a
// household are recorded in both directions.
type Household struct {
	People     []Person
	Businesses []Business
	Vehicles   []Vehicle
}

// GenState is where the generator's identifier counters stand. Every FIN,
// document number, VÖEN, plate and VIN is derived from a counter through a
// fixed bijection, so identifiers never repeat as long as counters only
// grow: a generator started from the state another one ended in adds
// people who collide with nobody before them. The zero GenState starts
// from the beginning.
type GenState struct {
	People     uint64            `json:"people"`
	Businesses uint64            `json:"businesses"`
	Vehicles   uint64            `json:"vehicles"`
	Plates     map[string]uint64 `json:"plates,omitempty"` // by region code
}

// Generator makes a synthetic population: believable Azerbaijani names,
// families, addresses across the regions, identity documents, businesses
// and vehicles. For a given seed, reference day and starting state it
// makes the same people in the same order. The seed chooses names, dates
// and places; identifiers come from the state's counters, so the same
// counters give the same FINs whatever the seed. A Generator is not safe
// for concurrent use.
type Generator struct {
	r        rng
	today    int64 // days since 1970-01-01
	year     int
	state    GenState
	plates   []uint64 // plate counters by index into plateCodes
	counters []uint64 // the person counter of each person of the household being made
}

// NewGenerator returns a generator that dates everyone relative to today
// (ages, document expiry, inspections) and continues from state.
func NewGenerator(seed int64, today time.Time, state GenState) *Generator {
	today = Date(today)
	g := &Generator{
		r:      rng{uint64(seed) ^ 0x5eed_e90f_a2b1_c3d4},
		today:  dayNumber(today),
		year:   today.Year(),
		state:  GenState{People: state.People, Businesses: state.Businesses, Vehicles: state.Vehicles},
		plates: make([]uint64, len(plateCodes)),
	}
	for i, code := range plateCodes {
		g.plates[i] = state.Plates[code]
	}
	return g
}

// State returns where the counters stand now, for a later generator to
// continue from.
func (g *Generator) State() GenState {
	s := g.state
	s.Plates = make(map[string]uint64, len(plateCodes))
	for i, code := range plateCodes {
		if g.plates[i] > 0 {
			s.Plates[code] = g.plates[i]
		}
	}
	return s
}

// Generate yields households holding n people in all, made by a new
// generator with the given seed, dated relative to today. The last
// household is made smaller if needed, so exactly n people come out.
func Generate(seed int64, n int, today time.Time) iter.Seq[*Household] {
	return func(yield func(*Household) bool) {
		g := NewGenerator(seed, today, GenState{})
		for left := n; left > 0; {
			h := g.Household(left)
			left -= len(h.People)
			if !yield(h) {
				return
			}
		}
	}
}

// Household makes the next household, of at most max people (max ≥ 1).
func (g *Generator) Household(max int) *Household {
	if max < 1 {
		max = 1
	}
	h := &Household{}
	g.counters = g.counters[:0]
	reg := &regions[regionPick[g.r.n(regionWeight)]]
	addr := g.address(reg)
	sur := &surnames[g.r.n(len(surnames))]
	switch k := g.r.n(100); {
	case k < 22 || max == 1: // one adult
		sex := Male
		if g.r.n(2) == 0 {
			sex = Female
		}
		p := g.adult(sex, sur, 18+g.r.n(78), reg, addr)
		h.People = make([]Person, 0, 1)
		h.People = append(h.People, p)
	case k < 40: // a couple without children at home
		husbandAge := 20 + g.r.n(71)
		h.People = make([]Person, 0, 2)
		g.couple(h, sur, husbandAge, reg, addr)
	case k < 88: // a couple with children
		husbandAge := 22 + g.r.n(44)
		kids := childCount[g.r.n(len(childCount))]
		kids = min(kids, max-2)
		h.People = make([]Person, 0, 2+kids)
		g.couple(h, sur, husbandAge, reg, addr)
		g.children(h, kids, &h.People[1], &h.People[0], sur, reg, addr)
	default: // a mother and her children
		kids := 1 + g.r.n(3)
		kids = min(kids, max-1)
		h.People = make([]Person, 0, 1+kids)
		own := &surnames[g.r.n(len(surnames))]
		h.People = append(h.People, g.adult(Female, own, 22+g.r.n(39), reg, addr))
		g.children(h, kids, &h.People[0], nil, sur, reg, addr)
	}
	for i := range h.People {
		g.extras(h, &h.People[i], g.counters[i], reg)
	}
	return h
}

// childCount weights the number of children of a couple: mostly one to three.
var childCount = []int{1, 1, 1, 2, 2, 2, 2, 3, 3, 4}

// couple appends a husband and a wife, linked as spouses. Most wives share
// the husband's surname; some keep their own.
func (g *Generator) couple(h *Household, sur *surname, husbandAge int, reg *region, addr Address) {
	wifeAge := max(18, husbandAge-g.r.n(9)+1)
	wifeSur := sur
	if g.r.n(10) < 4 {
		wifeSur = &surnames[g.r.n(len(surnames))]
	}
	h.People = append(h.People, g.adult(Male, sur, husbandAge, reg, addr), g.adult(Female, wifeSur, wifeAge, reg, addr))
	husband, wife := &h.People[len(h.People)-2], &h.People[len(h.People)-1]
	husband.Family = append(husband.Family, FamilyLink{Spouse, wife.FIN})
	wife.Family = append(wife.Family, FamilyLink{Spouse, husband.FIN})
	// In old age one of the two may have died.
	if husbandAge >= 70 && g.r.n(100) < 15 {
		g.die(husband)
	}
}

// children appends n children of mother (and father, if any), born when
// the mother was 18 or older.
func (g *Generator) children(h *Household, n int, mother, father *Person, sur *surname, reg *region, addr Address) {
	motherAge := int((g.today - dayNumber(mother.BirthDate)) / 365)
	maxAge := min(motherAge-18, 35)
	fatherName := &males[g.r.n(len(males))]
	if father != nil {
		fatherName = &males[father.nameIndex()]
	}
	motherFIN := mother.FIN
	fatherFIN := ""
	if father != nil {
		fatherFIN = father.FIN
	}
	for range n {
		age := 0
		if maxAge > 0 {
			age = g.r.n(maxAge + 1)
		}
		var c Person
		if g.r.n(2) == 0 {
			c = g.person(Male, &males[g.r.n(len(males))], sur.male, sur.maleLatin, fatherName.son, age, reg, addr)
		} else {
			c = g.person(Female, &females[g.r.n(len(females))], sur.female, sur.femaleLatin, fatherName.daughter, age, reg, addr)
		}
		c.Family = make([]FamilyLink, 0, 2)
		c.Family = append(c.Family, FamilyLink{Mother, motherFIN})
		if father != nil {
			c.Family = append(c.Family, FamilyLink{Father, fatherFIN})
		}
		h.People = append(h.People, c)
	}
	// Appending may have moved the parents; find them again by FIN.
	for i := range h.People {
		p := &h.People[i]
		if p.FIN == motherFIN || (fatherFIN != "" && p.FIN == fatherFIN) {
			for _, c := range h.People[len(h.People)-n:] {
				p.Family = append(p.Family, FamilyLink{Child, c.FIN})
			}
		}
	}
}

// adult makes a person of age with a random first name and patronymic.
func (g *Generator) adult(sex string, sur *surname, age int, reg *region, addr Address) Person {
	father := &males[g.r.n(len(males))]
	if sex == Male {
		return g.person(Male, &males[g.r.n(len(males))], sur.male, sur.maleLatin, father.son, age, reg, addr)
	}
	return g.person(Female, &females[g.r.n(len(females))], sur.female, sur.femaleLatin, father.daughter, age, reg, addr)
}

// person makes one person with a new FIN, born age years ago. People must
// be appended to the household in the order they are made, so that their
// counters line up.
func (g *Generator) person(sex string, first *name, last, lastLatin, patronymic string, age int, reg *region, addr Address) Person {
	k, fin := g.nextFIN()
	birth := g.today - int64(age)*365 - int64(age/4) - int64(g.r.n(365))
	birthPlace := reg.cities[0]
	if g.r.n(4) == 0 {
		other := &regions[regionPick[g.r.n(regionWeight)]]
		birthPlace = other.cities[g.r.n(len(other.cities))]
	}
	p := Person{
		FIN:         fin,
		FirstName:   first.name,
		LastName:    last,
		Patronymic:  patronymic,
		Sex:         sex,
		BirthDate:   dayDate(birth),
		BirthPlace:  birthPlace,
		Citizenship: CitizenshipAZE,
		Address:     addr,
	}
	g.counters = append(g.counters, k)
	if age >= 16 {
		if g.r.n(100) < 90 {
			p.Phone = g.phone()
		}
		if g.r.n(100) < 55 {
			p.Email = email(first.latin, lastLatin, birth)
		}
	}
	return p
}

// die records a death in the last ten years.
func (g *Generator) die(p *Person) {
	d := dayDate(g.today - 1 - int64(g.r.n(3650)))
	if d.After(p.BirthDate) {
		p.DeathDate = &d
	}
}

// extras gives an adult documents, and perhaps a vehicle or a business.
func (g *Generator) extras(h *Household, p *Person, k uint64, reg *region) {
	age := int((g.today - dayNumber(p.BirthDate)) / 365)
	alive := p.DeathDate == nil
	if age >= 70 && alive && g.r.n(100) < 4 {
		g.die(p)
		alive = false
	}
	if age < 16 {
		return
	}
	ownsVehicle := alive && age >= 18 && age <= 85 && g.r.n(100) < 25
	birth := dayNumber(p.BirthDate)
	p.Documents = make([]IdentityDocument, 0, 3)
	// Identity cards are valid for ten years, renewed on time by most:
	// expiry is spread over the next ten years, some a little past.
	issued := min(g.today, max(g.today-int64(g.r.n(11*365)), birth+16*365+int64(g.r.n(200))))
	p.Documents = append(p.Documents, IdentityDocument{IDCard, idCardNumber(k), dayDate(issued), dayDate(issued + 3652)})
	if g.r.n(100) < 40 {
		issued := min(g.today, max(g.today-int64(g.r.n(10*365+180)), birth+16*365))
		p.Documents = append(p.Documents, IdentityDocument{Passport, passportNumber(k), dayDate(issued), dayDate(issued + 3652)})
	}
	if ownsVehicle || (age >= 18 && g.r.n(100) < 20) {
		issued := min(g.today, max(g.today-int64(g.r.n(10*365+180)), birth+18*365))
		p.Documents = append(p.Documents, IdentityDocument{DrivingLicence, licenceNumber(k), dayDate(issued), dayDate(issued + 3652)})
	}
	if ownsVehicle {
		h.Vehicles = append(h.Vehicles, g.vehicle(p, reg))
	}
	if alive && age >= 23 && age <= 75 && g.r.n(1000) < 92 {
		h.Businesses = append(h.Businesses, g.business(p, reg))
	}
}

func (g *Generator) vehicle(owner *Person, reg *region) Vehicle {
	m := &makes[makePick[g.r.n(len(makePick))]]
	year := g.year - min(g.r.n(30), g.r.n(30))
	v := Vehicle{
		Plate:         g.nextPlate(reg),
		VIN:           g.nextVIN(m.wmi, year),
		Make:          m.make,
		Model:         m.models[g.r.n(len(m.models))],
		Year:          year,
		OwnerFIN:      owner.FIN,
		InspectionDue: dayDate(g.today - 60 + int64(g.r.n(790))),
	}
	return v
}

func (g *Generator) business(director *Person, reg *region) Business {
	form := legalForms[g.r.n(len(legalForms))]
	var nm string
	if form == FS {
		nm = director.FirstName + " " + director.LastName + " FS"
	} else {
		nm = businessWords[g.r.n(len(businessWords))] + " " + businessSectors[g.r.n(len(businessSectors))] + " " + form
	}
	status := Active
	if g.r.n(100) < 12 {
		status = Liquidated
	}
	lo := max(dayNumber(director.BirthDate)+20*365, day1995)
	if lo >= g.today {
		lo = g.today - 1
	}
	return Business{
		VOEN:        g.nextVOEN(form == FS),
		Name:        nm,
		LegalForm:   form,
		Status:      status,
		DirectorFIN: director.FIN,
		Address:     g.officeAddress(reg),
		Founded:     dayDate(lo + int64(g.r.n(int(g.today-lo)))),
	}
}

// legalForms weights the forms: most businesses are MMCs.
var legalForms = []string{MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, MMC, FS, FS, FS, ASC, QSC}

var day1995 = dayNumber(time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC))

func (g *Generator) address(reg *region) Address {
	a := Address{
		Region:     reg.name,
		City:       reg.cities[g.r.n(len(reg.cities))],
		Street:     reg.streets[g.r.n(len(reg.streets))],
		House:      smallNumbers[1+g.r.n(180)],
		PostalCode: reg.postal[g.r.n(len(reg.postal))],
	}
	if g.r.n(100) < 65 {
		a.Apartment = smallNumbers[1+g.r.n(150)]
	}
	return a
}

func (g *Generator) officeAddress(reg *region) Address {
	a := g.address(reg)
	a.Apartment = ""
	return a
}

// smallNumbers are the strings "0" to "299", made once.
var smallNumbers = func() []string {
	s := make([]string, 300)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func init() {
	for i := range regions {
		r := &regions[i]
		for j := range r.postalSpan {
			r.postal = append(r.postal, "AZ"+pad(r.postalBase+j, 4))
		}
	}
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// mobilePrefixes are the mobile operators' codes.
var mobilePrefixes = []string{"50", "51", "55", "70", "77", "99", "10"}

// phone makes a synthetic mobile number: "+994 50 0xx xx xx". No real
// subscriber number starts with 0 after the operator code.
func (g *Generator) phone() string {
	b := make([]byte, 0, 13)
	b = append(b, "+994"...)
	b = append(b, mobilePrefixes[g.r.n(len(mobilePrefixes))]...)
	b = append(b, '0')
	n := g.r.n(1_000_000)
	for d := 100_000; d > 0; d /= 10 {
		b = append(b, byte('0'+n/d%10))
	}
	return string(b)
}

// email makes a synthetic address at example.az: first.last and the last
// two digits of the birth year.
func email(first, last string, birthDay int64) string {
	y := dayDate(birthDay).Year() % 100
	b := make([]byte, 0, len(first)+len(last)+14)
	b = append(b, first...)
	b = append(b, '.')
	b = append(b, last...)
	b = append(b, byte('0'+y/10), byte('0'+y%10))
	b = append(b, "@example.az"...)
	return string(b)
}

// Identifiers. Each space has its own key; the keys are fixed so that
// counters alone decide identifiers.
const (
	keyFIN      = 0x9f3b_1c2d_7a6e_5b41
	keyIDCard   = 0x2c6d_e8f1_0a3b_9d57
	keyPassport = 0x71a4_3f9e_c2b8_6d03
	keyLicence  = 0x4e8b_d1c7_95f2_a306
	keyVOEN     = 0xb5e2_6a0d_3c91_f7e8
	keyPlate    = 0x0d7f_c4a9_e613_52bb
	keyVIN      = 0xe39c_52f8_a07d_1b64
)

const (
	finSpace     = 36 * 36 * 36 * 36 * 36 * 36 * 36 // 7 characters of 0-9A-Z
	finAlphabet  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	plateSpace   = 26 * 26 * 999 // AA-ZZ and 001-999 under one region code
	vinAlphabet  = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
	vinYearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789" // model years 1980, 1981, …, repeating every 30
)

// nextFIN takes the next person counter and returns it with its FIN,
// skipping FINs reserved for the demo fixtures.
func (g *Generator) nextFIN() (uint64, string) {
	for {
		k := g.state.People
		g.state.People++
		x := permute(k%finSpace, finSpace, keyFIN+k/finSpace)
		var b [7]byte
		for i := 6; i >= 0; i-- {
			b[i] = finAlphabet[x%36]
			x /= 36
		}
		fin := string(b[:])
		if !reservedFIN(fin) {
			return k, fin
		}
	}
}

// idCardNumber is "AA" and 7 digits; the letters advance every ten million people.
func idCardNumber(k uint64) string {
	series := k / 10_000_000
	return seriesNumber([]byte{byte('A' + series/26%26), byte('A' + series%26)}, permute(k%10_000_000, 10_000_000, keyIDCard), 7)
}

// passportNumber is "C" and 8 digits.
func passportNumber(k uint64) string {
	return seriesNumber([]byte{byte('C' + k/100_000_000%24)}, permute(k%100_000_000, 100_000_000, keyPassport), 8)
}

// licenceNumber is "D", a series letter and 7 digits.
func licenceNumber(k uint64) string {
	return seriesNumber([]byte{'D', byte('A' + k/10_000_000%26)}, permute(k%10_000_000, 10_000_000, keyLicence), 7)
}

func seriesNumber(prefix []byte, n uint64, digits int) string {
	b := make([]byte, len(prefix)+digits)
	copy(b, prefix)
	for i := len(b) - 1; i >= len(prefix); i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// nextVOEN is 9 digits from the business counter and a last digit of 1
// for a legal entity or 2 for an individual entrepreneur.
func (g *Generator) nextVOEN(individual bool) string {
	for {
		k := g.state.Businesses
		g.state.Businesses++
		body := permute(k%1_000_000_000, 1_000_000_000, keyVOEN+k/1_000_000_000)
		b := make([]byte, 10)
		for i := 8; i >= 0; i-- {
			b[i] = byte('0' + body%10)
			body /= 10
		}
		b[9] = '1'
		if individual {
			b[9] = '2'
		}
		if !reservedVOENBody(string(b[:9])) {
			return string(b)
		}
	}
}

// plateCodes lists every region code in the order of regions.
var plateCodes, plateRegion = func() ([]string, map[string]int) {
	var codes []string
	index := map[string]int{}
	for _, r := range regions {
		for _, c := range r.plates {
			index[c] = len(codes)
			codes = append(codes, c)
		}
	}
	return codes, index
}()

// nextPlate takes a plate under one of the region's codes, moving on to
// other codes when one is used up.
func (g *Generator) nextPlate(reg *region) string {
	start := plateRegion[reg.plates[g.r.n(len(reg.plates))]]
	for off := range plateCodes {
		i := (start + off) % len(plateCodes)
		for g.plates[i] < plateSpace {
			c := g.plates[i]
			g.plates[i]++
			x := permute(c, plateSpace, keyPlate+uint64(i))
			letters, num := x/999, x%999+1
			code := plateCodes[i]
			p := string([]byte{code[0], code[1], '-', byte('A' + letters/26), byte('A' + letters%26), '-',
				byte('0' + num/100), byte('0' + num/10%10), byte('0' + num%10)})
			if !reservedPlate(p) {
				return p
			}
		}
	}
	panic("registry: every number plate is taken")
}

// nextVIN builds a VIN: manufacturer, five random descriptor characters,
// the check digit, the model year, a plant and a serial number from the
// vehicle counter. Plant and serial are unique for 32 million vehicles;
// the plant "9" is left for the demo fixtures.
func (g *Generator) nextVIN(wmi string, year int) string {
	k := g.state.Vehicles
	g.state.Vehicles++
	var b [17]byte
	copy(b[:3], wmi)
	for i := 3; i < 8; i++ {
		b[i] = vinAlphabet[g.r.n(len(vinAlphabet))]
	}
	b[9] = vinYearCodes[((year-1980)%30+30)%30]
	b[10] = vinAlphabet[k/1_000_000%32]
	serial := permute(k%1_000_000, 1_000_000, keyVIN+k/32_000_000)
	for i := 16; i >= 11; i-- {
		b[i] = byte('0' + serial%10)
		serial /= 10
	}
	b[8] = '0'
	b[8] = vinCheck(b[:])
	return string(b[:])
}

// permute maps x in [0, n) to a number in [0, n), one to one for a given
// key: a mixing bijection on the smallest power of two holding n, walked
// until it lands inside the range. The result looks random but never repeats.
func permute(x, n, key uint64) uint64 {
	w := uint(bits.Len64(n - 1))
	mask := uint64(1)<<w - 1
	shift := max(w/2, 1)
	for {
		for round := range uint64(3) {
			x = (x + (key>>(round*8) | 1)) & mask
			x = (x * 0x9e3779b97f4a7c15) & mask
			x ^= x >> shift
		}
		if x < n {
			return x
		}
	}
}

// rng is a small, fast generator (wyrand). It need not be strong; it must
// be the same everywhere.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// n returns a number in [0, k).
func (r *rng) n(k int) int {
	hi, _ := bits.Mul64(r.next(), uint64(k))
	return int(hi)
}

// dayNumber counts the days from 1970-01-01 to the date t.
func dayNumber(t time.Time) int64 { return Date(t).Unix() / 86400 }

// dayDate is the date of a day number.
func dayDate(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// nameIndex finds the person's first name among the male names.
func (p *Person) nameIndex() int {
	for i := range males {
		if males[i].name == p.FirstName {
			return i
		}
	}
	return 0
}

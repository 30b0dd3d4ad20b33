package centers

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// weekdays are Monday to Friday 09:00–18:00 with lunch 13:00–14:00, and
// Saturday 10:00–15:00.
func standardHours() Hours {
	h := Hours{time.Saturday: {Open: "10:00", Close: "15:00"}}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		h[d] = Day{Open: "09:00", Close: "18:00", LunchFrom: "13:00", LunchTo: "14:00"}
	}
	return h
}

// The demo's services per centre, by letter; desks serve groups of them.
var demoServices = []string{
	"identity-card", "passport", "driving-licence", "vehicle-registration", "criminal-record-certificate",
	"birth-certificate", "marriage-certificate", "pension", "residence-permit", "property-extract",
	"business-registration", "apostille",
}

// DemoCentres are the seeded centres.
func DemoCentres() []*Centre {
	mk := func(slug string, name, addr lang.Text, services []string, desks [][]string) *Centre {
		c := &Centre{Slug: slug, Name: name, Address: addr, Hours: standardHours()}
		for i, s := range services {
			c.Services = append(c.Services, Offer{Service: s, Letter: string(rune('A' + i))})
		}
		for i, d := range desks {
			c.Desks = append(c.Desks, Desk{Number: i + 1, Services: d})
		}
		return c
	}
	all := demoServices
	docs := []string{"identity-card", "passport", "driving-licence", "vehicle-registration"}
	civil := []string{"criminal-record-certificate", "birth-certificate", "marriage-certificate", "apostille"}
	social := []string{"pension", "residence-permit", "property-extract", "business-registration"}
	small := all[:8]
	return []*Centre{
		mk("baku-1",
			lang.Text{AZ: "1 nömrəli ASAN xidmət mərkəzi (Bakı)", EN: "ASAN xidmət centre No. 1 (Bakı)", RU: "Центр ASAN xidmət № 1 (Баку)"},
			lang.Text{AZ: "Bakı, Nəsimi rayonu, Azadlıq prospekti 174", EN: "174 Azadlıq Avenue, Nəsimi district, Bakı", RU: "Баку, Насиминский район, проспект Азадлыг, 174"},
			all, [][]string{docs, docs, civil, civil, social, all}),
		mk("baku-2",
			lang.Text{AZ: "2 nömrəli ASAN xidmət mərkəzi (Bakı)", EN: "ASAN xidmət centre No. 2 (Bakı)", RU: "Центр ASAN xidmət № 2 (Баку)"},
			lang.Text{AZ: "Bakı, Xətai rayonu, Xocalı prospekti 55", EN: "55 Xocalı Avenue, Xətai district, Bakı", RU: "Баку, Хатаинский район, проспект Ходжалы, 55"},
			all, [][]string{docs, civil, social, all}),
		mk("sumqayit",
			lang.Text{AZ: "Sumqayıt ASAN xidmət mərkəzi", EN: "ASAN xidmət centre Sumqayıt", RU: "Центр ASAN xidmət Сумгайыт"},
			lang.Text{AZ: "Sumqayıt, Sülh küçəsi 3", EN: "3 Sülh Street, Sumqayıt", RU: "Сумгайыт, улица Сульх, 3"},
			small, [][]string{docs, small[4:], small}),
		mk("ganja",
			lang.Text{AZ: "Gəncə ASAN xidmət mərkəzi", EN: "ASAN xidmət centre Gəncə", RU: "Центр ASAN xidmət Гянджа"},
			lang.Text{AZ: "Gəncə, Heydər Əliyev prospekti 250", EN: "250 Heydər Əliyev Avenue, Gəncə", RU: "Гянджа, проспект Гейдара Алиева, 250"},
			all, [][]string{docs, civil, social}),
		mk("mingachevir",
			lang.Text{AZ: "Mingəçevir ASAN xidmət mərkəzi", EN: "ASAN xidmət centre Mingəçevir", RU: "Центр ASAN xidmət Мингячевир"},
			lang.Text{AZ: "Mingəçevir, Heydər Əliyev prospekti 40", EN: "40 Heydər Əliyev Avenue, Mingəçevir", RU: "Мингячевир, проспект Гейдара Алиева, 40"},
			small, [][]string{small, small}),
	}
}

// DemoPriorityRules are the seeded priority rules.
var DemoPriorityRules = []PriorityRule{
	{Code: "senior", Rank: 10, MinAge: 65, Name: lang.Text{AZ: "65 yaş və yuxarı", EN: "Aged 65 or over", RU: "65 лет и старше"}},
	{Code: "disability", Rank: 10, Name: lang.Text{AZ: "Əlilliyi olan şəxs", EN: "Person with a disability", RU: "Человек с инвалидностью"}},
}

// SeedDemo adds the demo centres, their services and desks, and the
// priority rules (and, with notify configured, the message templates); a
// second run changes nothing. Services the catalog does not offer at
// centres are left out.
func (s *Service) SeedDemo(ctx context.Context) error {
	if s.cfg.Notify != nil {
		if err := SeedTemplates(ctx, s.cfg.Notify); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i, c := range DemoCentres() {
			if s.cfg.Catalog != nil {
				c = s.centreServices(c)
			}
			if err := c.Hours.Validate(); err != nil {
				return err
			}
			if err := saveCentre(ctx, tx, c, i); err != nil {
				return fmt.Errorf("centers: seed %s: %w", c.Slug, err)
			}
		}
		for _, r := range DemoPriorityRules {
			name, _ := json.Marshal(r.Name)
			if _, err := tx.ExecContext(ctx, `INSERT INTO centers_priority_rules (code, rank, min_age, name) VALUES ($1, $2, $3, $4)
				ON CONFLICT (code) DO NOTHING`, r.Code, r.Rank, r.MinAge, string(name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// centreServices keeps the services the catalog offers at centres.
func (s *Service) centreServices(c *Centre) *Centre {
	ok := func(slug string) bool {
		svc, err := s.cfg.Catalog.Service(slug)
		return err == nil && svc.HasChannel(catalog.Centre)
	}
	out := *c
	out.Services = nil
	for _, o := range c.Services {
		if ok(o.Service) {
			out.Services = append(out.Services, o)
		}
	}
	out.Desks = nil
	for _, d := range c.Desks {
		nd := Desk{Number: d.Number}
		for _, sv := range d.Services {
			if ok(sv) {
				nd.Services = append(nd.Services, sv)
			}
		}
		out.Desks = append(out.Desks, nd)
	}
	return &out
}

// Templates are the messages the module sends.
var Templates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "centers.reminder",
		Subject: lang.Text{AZ: "Sabah ASAN xidmət mərkəzində növbəniz var: {{time}}", EN: "Your appointment at the service centre tomorrow: {{time}}", RU: "Завтра вас ждут в центре обслуживания: {{time}}"},
		Body: lang.Text{
			AZ: "Xatırladırıq: {{time}} üçün «{{service}}» xidməti üzrə {{centre}} ({{address}}) mərkəzinə qeydiyyatınız var. Sifariş kodu: {{code}}. Vaxtdan ən çox 30 dəqiqə əvvəl gəlib qeydiyyatdan keçin; 10 dəqiqədən çox gecikdikdə sifariş ləğv olunur. Gələ bilməyəcəksinizsə, kabinetdə ləğv edin və ya başqa vaxt seçin.",
			EN: "A reminder: you are booked for “{{service}}” at {{centre}} ({{address}}) at {{time}}. Your booking code is {{code}}. Check in up to 30 minutes before the time; more than 10 minutes late, the booking is cancelled. If you cannot come, cancel or choose another time in your cabinet.",
			RU: "Напоминаем: вы записаны на услугу «{{service}}» в {{centre}} ({{address}}) на {{time}}. Код записи: {{code}}. Отметьтесь не раньше чем за 30 минут до времени; при опоздании больше чем на 10 минут запись отменяется. Если не сможете прийти, отмените запись или выберите другое время в личном кабинете.",
		}},
	{Owner: notify.PlatformOwner, Key: "centers.rate",
		Subject: lang.Text{AZ: "Xidməti qiymətləndirin: {{number}}", EN: "Rate your visit: {{number}}", RU: "Оцените обслуживание: {{number}}"},
		Body: lang.Text{
			AZ: "{{number}} nömrəli bilet üzrə xidmət göstərildi. Xidməti 1-dən 5-ə qədər qiymətləndirin (bu keçid yalnız bir dəfə işləyir): {{link}}",
			EN: "You were served with ticket {{number}}. Rate the visit from 1 to 5 (this link works once): {{link}}",
			RU: "Вас обслужили по талону {{number}}. Оцените визит от 1 до 5 (ссылка действует один раз): {{link}}",
		}},
}

// SeedTemplates saves the module's message templates (a no-op for those
// already current).
func SeedTemplates(ctx context.Context, n *notify.Service) error {
	if err := n.SaveTemplates(ctx, Templates); err != nil {
		return fmt.Errorf("centers: %w", err)
	}
	return nil
}

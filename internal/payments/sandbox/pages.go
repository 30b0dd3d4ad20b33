package sandbox

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — Sandbox acquirer</title>
<link rel="stylesheet" href="{{.Base}}/static/sandbox.css">
</head>
<body>
<header><p>Sandbox acquirer — a test payment page. No real money moves.</p></header>
<main>
<h1>{{.Title}}</h1>
{{if .Error}}<div role="alert" id="error-summary"><h2>There is a problem</h2><p><a href="#{{.Field}}">{{.Error}}</a></p></div>{{end}}
{{if .P}}<p>Amount: <strong>{{.Amount}} AZN</strong></p>
<p>Reference: {{.P.Reference}}</p>{{end}}
{{if eq .Step "card"}}
<form method="post" action="{{.Base}}/pay/{{.P.ID}}" novalidate>
  <p><label for="card">Card number</label>
  {{if .Error}}<span id="card-error">Error: {{.Error}}</span>{{end}}
  <input id="card" name="card" type="text" inputmode="numeric" autocomplete="cc-number" spellcheck="false"{{if .Error}} aria-invalid="true" aria-describedby="card-error"{{end}}></p>
  <p><label for="expiry">Expiry date (MM/YY)</label>
  <input id="expiry" name="expiry" type="text" inputmode="numeric" autocomplete="cc-exp"></p>
  <p><label for="cvc">Security code</label>
  <input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc"></p>
  <button type="submit">Pay {{.Amount}} AZN</button>
</form>
<form method="post" action="{{.Base}}/pay/{{.P.ID}}/cancel"><button type="submit">Cancel and go back</button></form>
<h2>Test cards</h2>
<ul><li>4242 4242 4242 4242 succeeds</li><li>4000 0000 0000 0002 is declined</li>
<li>4000 0000 0000 9995 has insufficient funds</li><li>4000 0000 0000 3220 asks for a 3-D Secure code (123456)</li></ul>
{{else if eq .Step "3ds"}}
<form method="post" action="{{.Base}}/pay/{{.P.ID}}/3ds" novalidate>
  <p><label for="code">Code sent by your bank</label>
  {{if .Error}}<span id="code-error">Error: {{.Error}}</span>{{end}}
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"{{if .Error}} aria-invalid="true" aria-describedby="code-error"{{end}}></p>
  <button type="submit">Confirm</button>
</form>
{{else if eq .Step "done"}}
<p>This payment is {{.P.State}}.{{if .Return}} <a href="{{.Return}}">Return to the service</a>{{end}}</p>
{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Title, Step, Error, Field, Base, Amount, Return string
	P                                               *Payment
}

func (a *Acquirer) render(w http.ResponseWriter, status int, d pageData) {
	d.Base = strings.TrimSuffix(a.cfg.BaseURL, "/")
	if d.P != nil {
		d.Amount = formatAmount(d.P.Amount)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'")
	w.WriteHeader(status)
	page.Execute(w, d)
}

// css is the hosted pages' only style: readable, with targets large
// enough to touch.
const css = `body { font: 18px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 0 auto; padding: 1rem; color: #111; background: #fff; }
label { display: block; font-weight: 600; }
input { font: inherit; padding: .5rem; min-height: 2.75rem; width: 100%; max-width: 24rem; box-sizing: border-box; border: 2px solid #333; }
button { font: inherit; padding: .6rem 1.2rem; min-height: 2.75rem; margin: .5rem 0; border: 2px solid #0b3d91; background: #0b3d91; color: #fff; cursor: pointer; }
form + form button { background: #fff; color: #0b3d91; }
a { color: #0b3d91; display: inline-block; min-height: 1.5rem; padding: .25rem 0; }
[role=alert] { border: 4px solid #b00020; padding: 1rem; margin: 1rem 0; }
span[id$=-error] { display: block; color: #b00020; font-weight: 600; }
`

func (a *Acquirer) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(css))
}

func formatAmount(q int64) string { return fmt.Sprintf("%d.%02d", q/100, q%100) }

// snapshot copies payment id under the lock.
func (a *Acquirer) snapshot(id string) (*Payment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[id]
	if !ok {
		return nil, false
	}
	c := *p
	return &c, true
}

func (a *Acquirer) cardPage(w http.ResponseWriter, r *http.Request) {
	p, ok := a.snapshot(r.PathValue("id"))
	if !ok {
		a.render(w, http.StatusNotFound, pageData{Title: "Payment not found"})
		return
	}
	if p.State != StateCreated {
		a.render(w, http.StatusOK, pageData{Title: "Payment finished", Step: "done", P: p, Return: p.returnURL})
		return
	}
	step := "card"
	if p.needs3DS {
		http.Redirect(w, r, strings.TrimSuffix(a.cfg.BaseURL, "/")+"/pay/"+p.ID+"/3ds", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, pageData{Title: "Pay by card", Step: step, P: p})
}

func (a *Acquirer) cardPost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := a.Charge(id, r.PostFormValue("card"))
	p, ok := a.snapshot(id)
	switch {
	case !ok:
		a.render(w, http.StatusNotFound, pageData{Title: "Payment not found"})
	case err == nil:
		http.Redirect(w, r, p.returnURL, http.StatusSeeOther)
	case errors.Is(err, ErrNeeds3DS):
		http.Redirect(w, r, strings.TrimSuffix(a.cfg.BaseURL, "/")+"/pay/"+id+"/3ds", http.StatusSeeOther)
	case errors.Is(err, ErrNotOpen):
		a.render(w, http.StatusConflict, pageData{Title: "Payment finished", Step: "done", P: p, Return: p.returnURL})
	default:
		msg := map[error]string{
			ErrInvalidCard:  "Enter a valid card number",
			ErrDeclined:     "Your card was declined: try another card",
			ErrInsufficient: "There is not enough money on the card: try another card",
		}[err]
		a.render(w, http.StatusUnprocessableEntity, pageData{Title: "Pay by card", Step: "card", P: p, Error: msg, Field: "card"})
	}
}

func (a *Acquirer) threeDSPage(w http.ResponseWriter, r *http.Request) {
	p, ok := a.snapshot(r.PathValue("id"))
	if !ok {
		a.render(w, http.StatusNotFound, pageData{Title: "Payment not found"})
		return
	}
	if p.State != StateCreated || !p.needs3DS {
		a.render(w, http.StatusOK, pageData{Title: "Payment finished", Step: "done", P: p, Return: p.returnURL})
		return
	}
	a.render(w, http.StatusOK, pageData{Title: "Confirm with your bank", Step: "3ds", P: p})
}

func (a *Acquirer) threeDSPost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := a.Confirm3DS(id, strings.TrimSpace(r.PostFormValue("code")))
	p, ok := a.snapshot(id)
	switch {
	case !ok:
		a.render(w, http.StatusNotFound, pageData{Title: "Payment not found"})
	case err == nil:
		http.Redirect(w, r, p.returnURL, http.StatusSeeOther)
	case errors.Is(err, ErrWrongCode):
		a.render(w, http.StatusUnprocessableEntity, pageData{Title: "Confirm with your bank", Step: "3ds", P: p,
			Error: "The code is wrong: enter the code your bank sent", Field: "code"})
	default:
		a.render(w, http.StatusConflict, pageData{Title: "Payment finished", Step: "done", P: p, Return: p.returnURL})
	}
}

func (a *Acquirer) cancelPost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a.Cancel(id)
	p, ok := a.snapshot(id)
	if !ok {
		a.render(w, http.StatusNotFound, pageData{Title: "Payment not found"})
		return
	}
	http.Redirect(w, r, p.returnURL, http.StatusSeeOther)
}

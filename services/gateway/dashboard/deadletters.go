package dashboard

import (
	"net/http"
	"strconv"

	"ringmaster.dev/kit/bus"
)

// deadLettersView is the dead-letter page, with the outcome of a retry
// just asked for.
type deadLettersView struct {
	Letters []bus.DeadLetter
	Outcome *Outcome
}

// deadLettersPage lists the dead letters, newest first: GET /deadletters.
func (d *Dashboard) deadLettersPage(w http.ResponseWriter, r *http.Request) {
	d.deadLetters(w, r, http.StatusOK, nil)
}

func (d *Dashboard) deadLetters(w http.ResponseWriter, r *http.Request, status int, o *Outcome) {
	p := page{Title: "Dead letters", Tab: "deadletters"}
	v := deadLettersView{Outcome: o}
	if d.src.DeadLetters == nil {
		p.Notes = append(p.Notes, notAvailable("dead letters"))
	} else if l, err := d.src.DeadLetters.DeadLetters(r.Context()); err != nil {
		p.Notes = append(p.Notes, "dead letters: "+err.Error())
	} else {
		for i := len(l) - 1; i >= 0; i-- {
			v.Letters = append(v.Letters, l[i])
		}
	}
	p.Data = v
	d.render(w, status, "deadletters.html", p)
}

// maxForm bounds a retry form's body.
const maxForm = 8 << 10

// retry puts a dead letter back on its subject: POST
// /deadletters/{seq}/retry with the form field token (an API token, as
// `ring token create` makes), or an Authorization: Bearer header. The
// answer is the dead-letter page saying what came of it.
func (d *Dashboard) retry(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		d.deadLetters(w, r, http.StatusBadRequest, &Outcome{Status: http.StatusBadRequest, Text: "the dead letter's number is not a positive integer: " + r.PathValue("seq")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		d.deadLetters(w, r, http.StatusBadRequest, &Outcome{Status: http.StatusBadRequest, Text: "the form does not read: " + err.Error()})
		return
	}
	token := r.PostForm.Get("token")
	if h, ok := bearer(r); ok && token == "" {
		token = h
	}
	if d.src.Retry == nil {
		d.deadLetters(w, r, http.StatusServiceUnavailable, &Outcome{Status: http.StatusServiceUnavailable, Text: "retrying is not available from this gateway"})
		return
	}
	o := d.src.Retry(r.Context(), r, token, seq)
	d.deadLetters(w, r, o.Status, &o)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && h[:7] == "Bearer " {
		return h[7:], true
	}
	return "", false
}

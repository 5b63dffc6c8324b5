"""The same bill (header, customer and supply point, summary, 4 charge lines, VAT, payment, an
embedded DejaVu Sans TTF) rendered with two widely used Python PDF libraries, for the billing
benchmark in docs/benchmarks.md:

    taskset -c 0 python3 crates/billing/bench/bills_python.py 1000 /path/to/DejaVuSans.ttf
"""

import io
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
FONT = sys.argv[2]
BOLD = FONT.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def bill(i):
    total = 3000 + (i * 7919) % 40000
    return {
        "name": f"Giulia Bianchi {i}", "code": f"{3000000 + i:010}",
        "pod": f"IT001E{12345678 + i:08}", "total": f"{total // 100},{total % 100:02} €",
        "due": "23/11/2011", "lines": [
            ("Spesa per la materia prima", "412", "kWh", "0,08412 €", "34,66 €", "10%"),
            ("Trasporto e gestione del contatore", "412", "kWh", "0,03195 €", "13,16 €", "10%"),
            ("Oneri di sistema e imposte", "230", "kWh", "0,04876 €", "11,21 €", "10%"),
            ("Quota fissa", "1", "", "6,91 €", "6,91 €", "10%"),
        ],
    }


def reportlab_bench(docs):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    pdfmetrics.registerFont(TTFont("DejaVuB", BOLD))
    out = 0
    for b in docs:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        w, h = A4
        c.setFont("DejaVuB", 16); c.drawString(18 * mm, h - 20 * mm, "Canali Multiservizi S.p.A.")
        c.setFont("DejaVu", 9)
        c.drawString(18 * mm, h - 26 * mm, "Viale Carlo Berti Pichat 2/4, 40127 Bologna")
        c.drawString(18 * mm, h - 40 * mm, f"Intestatario: {b['name']}  Codice cliente {b['code']}")
        c.drawString(18 * mm, h - 46 * mm, f"Energia elettrica  POD {b['pod']}")
        c.setFont("DejaVuB", 16); c.drawString(18 * mm, h - 60 * mm, f"Totale da pagare {b['total']}")
        c.setFont("DejaVuB", 12); c.drawString(110 * mm, h - 60 * mm, f"Scadenza {b['due']}")
        c.setFont("DejaVu", 9)
        y = h - 75 * mm
        for line in b["lines"]:
            for x, t in zip((18, 100, 118, 130, 160, 182), line):
                c.drawString(x * mm, y, t)
            y -= 5 * mm
        c.drawString(18 * mm, y - 10 * mm, "Come pagare: addebito diretto SEPA, bonifico, sportelli.")
        c.showPage(); c.save()
        out += len(buf.getvalue())
    return out


def fpdf_bench(docs):
    from fpdf import FPDF
    out = 0
    for b in docs:
        pdf = FPDF(format="A4")
        pdf.add_font("DejaVu", "", FONT)
        pdf.add_font("DejaVu", "B", BOLD)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16); pdf.cell(0, 8, "Canali Multiservizi S.p.A.", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        pdf.cell(0, 5, "Viale Carlo Berti Pichat 2/4, 40127 Bologna", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 5, f"Intestatario: {b['name']}  Codice cliente {b['code']}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 5, f"Energia elettrica  POD {b['pod']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 16); pdf.cell(0, 10, f"Totale da pagare {b['total']}   Scadenza {b['due']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        with pdf.table(col_widths=(60, 15, 10, 20, 20, 10)) as t:
            t.row(("Voce", "Quantità", "U.m.", "Prezzo", "Importo", "IVA"))
            for line in b["lines"]:
                t.row(line)
        pdf.cell(0, 8, "Come pagare: addebito diretto SEPA, bonifico, sportelli.")
        out += len(pdf.output())
    return out


docs = [bill(i) for i in range(N)]
# fpdf2 is far slower (it subsets the font with fontTools for every document): fewer bills.
FPDF_N = int(sys.argv[3]) if len(sys.argv) > 3 else N
for name, fn, n in (("ReportLab", reportlab_bench, N), ("fpdf2", fpdf_bench, FPDF_N)):
    fn(docs[:3])
    t = time.perf_counter()
    size = fn(docs[:n])
    s = time.perf_counter() - t
    print(f"{name}: {n} bills in {s:.2f} s = {n / s:.1f} bills/s, {size / n / 1024:.1f} KB each")


Æ
subscription-statusñ
ìRê
(J&

Team (monthly)
Canceled
!J


Ends on

2026-06-30
A"?
Open billing portal(https://billing.example.com/portal/linus
ı
latest-invoice‚
ﬂR‹
!J

‚Ç¨49.00
Overdue
LJJ


Invoice
INV-2026-0107&*$
INV-2026-0107Copy invoice number
#J!


	Issued on

2026-05-01
D"B
View invoice2https://billing.example.com/invoices/INV-2026-0107
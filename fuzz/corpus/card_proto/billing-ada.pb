
±
subscription-status™
–R“
$J"

Pro (annual)

Active
#J!


	Renews on

2026-09-01
F"D
Open billing portal-https://billing.example.com/portal/cus_demo_1
œ
latest-invoice‰
†Rƒ
J

	$1,188.00

Paid
LJJ


Invoice
INV-2026-0042&*$
INV-2026-0042Copy invoice number
#J!


	Issued on

2026-04-01
'J%
	

DueJ
2026-04-15T17:00:00Z
D"B
View invoice2https://billing.example.com/invoices/INV-2026-0042

ñ
customer-detailsÅ
(J&

Ada Lovelace

Enterprise

Analytical Engines Ltd
IJG



Account ID
acc_7Hq2LmX9!*
acc_7Hq2LmX9Copy account ID
(J&


Customer since

2021-03-14
B"@
Open in admin/https://admin.example.com/accounts/acc_7Hq2LmX9

Ó
customer-details¾
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
2J0


Customer sinceJ
2021-03-14T09:30:00Z
1J/


Account ownerRmargaret@example.com
B"@
Open in admin/https://admin.example.com/accounts/acc_7Hq2LmX9
-- The report: documents per publication day (undated documents left out).
select published, count(*) as n_documents
from documents
where published is not null
group by published
order by published
